using SnnConvert.Errors;
using SnnConvert.Layers;

namespace SnnConvert.Models;

/// <summary>
/// The QCFS form of an architecture (Bu et al. 2022, ICLR): every <see cref="ReluSpec"/> replaced by a
/// <see cref="QcfsSpec"/> with <c>L</c> levels and one threshold per layer or one per channel of its input (dimension 0
/// of the per-sample shape: the maps of a convolution, the features of a dense layer). Nothing else changes, so the
/// layer indices and the names of every other tensor ("index.name") stay those of the ReLU network.
/// </summary>
public static class QcfsArchitecture
{
    /// <summary>Whether <paramref name="spec"/> is an activation the swap exchanges (ReLU or QCFS).</summary>
    public static bool IsActivation(LayerSpec spec) => spec is ReluSpec or QcfsSpec;

    /// <summary>The architecture with each ReLU replaced by QCFS (<paramref name="levels"/> levels, per layer or per channel).</summary>
    /// <param name="architecture">The layers, run from <paramref name="inputShape"/>.</param>
    /// <param name="inputShape">Per-sample input shape (C, H, W).</param>
    /// <param name="levels">Quantisation levels L, at least 1.</param>
    /// <param name="perChannel">One threshold per channel of each activation's input, instead of one per layer.</param>
    /// <exception cref="InvalidSettingException"><paramref name="levels"/> is below 1, or the architecture has no ReLU.</exception>
    public static IReadOnlyList<LayerSpec> Swap(IReadOnlyList<LayerSpec> architecture, int[] inputShape, int levels, bool perChannel)
    {
        if (levels < 1) throw new InvalidSettingException(SettingNames.QuantisationLevels, $"must be at least 1, got {levels}");
        if (!architecture.Any(s => s is ReluSpec))
            throw new InvalidSettingException(SettingNames.Activation, $"the architecture has no ReLU to replace by QCFS ({string.Join(", ", architecture.Select(s => s.Describe()))})");
        var swapped = new LayerSpec[architecture.Count];
        int[] shape = inputShape;
        for (int i = 0; i < architecture.Count; i++)
        {
            swapped[i] = architecture[i] is ReluSpec ? new QcfsSpec(levels, perChannel ? shape[0] : 1) : architecture[i];
            shape = architecture[i].OutputShape(shape);
        }
        return swapped;
    }

    /// <summary>The zoo model with each ReLU replaced by QCFS (see <see cref="Swap(IReadOnlyList{LayerSpec}, int[], int, bool)"/>).</summary>
    /// <exception cref="InvalidSettingException"><paramref name="levels"/> is below 1.</exception>
    public static ZooModel Swap(ZooModel zoo, int levels, bool perChannel) =>
        zoo with { Architecture = Swap(zoo.Architecture, zoo.InputShape, levels, perChannel) };

    /// <summary>The QCFS layers of <paramref name="network"/> with their indices, in order.</summary>
    public static IEnumerable<(int Index, QcfsLayer Layer)> Layers(Network network) =>
        network.Layers.Select((layer, i) => (i, layer)).Where(p => p.layer is QcfsLayer).Select(p => (p.i, (QcfsLayer)p.layer));

    /// <summary>
    /// Text of every threshold of <paramref name="network"/>, e.g. "5: qcfs L=4 lambda 2.31" or, per channel,
    /// "lambda 0.41..3.07 (mean 1.52)": what <c>models</c> and training logs show.
    /// </summary>
    public static IEnumerable<string> DescribeThresholds(Network network) =>
        Layers(network).Select(p =>
        {
            ReadOnlySpan<float> lambda = p.Layer.Threshold.Value.Span;
            string values = lambda.Length == 1
                ? $"lambda {lambda[0]:G4}"
                : $"lambda {TensorPrimitives.Min(lambda):G4}..{TensorPrimitives.Max(lambda):G4} (mean {TensorPrimitives.Sum(lambda) / lambda.Length:G4})";
            return $"{p.Index}: {p.Layer.Spec.Describe()} {values}";
        });
}
