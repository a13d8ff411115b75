namespace SnnConvert.Nir;

/// <summary>
/// How <see cref="NirExporter"/> writes a network for readers that differ in what they accept (docs/nir.md lists them).
/// </summary>
/// <param name="DenseAsConv">
/// Write dense layers as convolutions over the whole map (the first one after the flatten has a kernel of the map's
/// size, later ones 1x1), so that the graph has no Flatten node: torch-based readers disagree on whether NIR's
/// Flatten counts a batch axis. The tensors then stay (C, H, W); the output is (K, 1, 1).
/// </param>
/// <param name="Plain">Write no SnnConvert metadata (for older readers and strict type checks); the file then reads back with hard reset, zero initial membrane and unit thresholds.</param>
public sealed record NirExportOptions(bool DenseAsConv = false, bool Plain = false)
{
    /// <summary>The default: Flatten and Affine nodes, with SnnConvert's metadata.</summary>
    public static NirExportOptions Default { get; } = new();
}
