using SnnConvert.Models;

namespace SnnConvert.Reporting;

/// <summary>
/// The CNN a row of a reproduction converts instead of the run's (a <see cref="QcfsRow"/>: the same architecture trained
/// with QCFS activations): the network, the path the report names it by, and its <see cref="ModelDigest"/>, computed
/// once, which the fingerprints of the conversions folder, the checkpoints and the shards carry.
/// </summary>
public sealed class RowCnn
{
    /// <summary>The row's CNN read from <paramref name="path"/>.</summary>
    /// <param name="cnn">The trained CNN.</param>
    /// <param name="path">Where it came from, as the report names it.</param>
    public RowCnn(SavedModel cnn, string path)
    {
        Cnn = cnn;
        Path = path;
        Sha256 = ModelDigest.Sha256(cnn);
    }

    /// <summary>The trained CNN.</summary>
    public SavedModel Cnn { get; }

    /// <summary>Where it came from, as the report names it.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of its architecture and tensors (<see cref="ModelDigest"/>).</summary>
    public string Sha256 { get; }

    /// <summary>How results name it; <paramref name="accuracy"/> is its accuracy on the run's test images, when known.</summary>
    public MethodCnn Describe(double? accuracy = null) => new(Path, Cnn.Network.Name, Sha256, accuracy);

    /// <inheritdoc/>
    public override string ToString() => $"{Path} (sha256 {Sha256})";
}
