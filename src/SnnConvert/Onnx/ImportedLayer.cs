using SnnConvert.Layers;

namespace SnnConvert.Onnx;

/// <summary>One layer read from an ONNX graph: its spec and its tensors by parameter or buffer name ("weight", "running_mean", ...).</summary>
/// <param name="Spec">The layer.</param>
/// <param name="Tensors">Values in the layer's own layout: conv weight (Cout, Cin, K, K), linear weight (out, in), per-channel vectors.</param>
/// <param name="Node">The node it came from, for messages.</param>
internal sealed record ImportedLayer(LayerSpec Spec, IReadOnlyDictionary<string, float[]> Tensors, string Node);
