using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>(N, C, H, W) -> (N, C*H*W) sharing the data array; backward restores the shape.</summary>
public sealed class FlattenLayer(FlattenSpec spec) : Layer
{
    private int[]? _inputShape;

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        _inputShape = input.Shape;
        return input.Reshape(input.Dim(0), input.Length / Math.Max(1, input.Dim(0)));
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput) => gradOutput.Reshape(Cached(_inputShape));
}
