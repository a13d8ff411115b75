namespace SnnConvert.Onnx;

/// <summary>Choices the ONNX file cannot record: the preprocessing outside the graph and which graph output holds the class scores.</summary>
/// <param name="Input">The input scaling and normalisation applied before the model, folded into it; null for none.</param>
/// <param name="Output">The graph output to import, by name; null picks the output computed by the most nodes (the last layer's).</param>
public sealed record OnnxImportOptions(OnnxInputScaling? Input = null, string? Output = null)
{
    /// <summary>No input scaling, the default output.</summary>
    public static OnnxImportOptions Default { get; } = new();
}
