using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>A trainable tensor and the gradient of the loss with respect to it.</summary>
/// <param name="Name">Name within its layer, e.g. "weight" or "bias".</param>
/// <param name="Value">The current value.</param>
/// <param name="Grad">Gradient buffer of the same shape, written by the layer's backward pass.</param>
/// <param name="Decay">Whether weight decay applies (weights: yes; biases and batch-norm affine: no).</param>
public sealed record Parameter(string Name, Tensor Value, Tensor Grad, bool Decay)
{
    /// <summary>A parameter with a zero gradient buffer of the value's shape.</summary>
    public static Parameter Create(string name, Tensor value, bool decay) => new(name, value, new Tensor(value.Shape), decay);
}
