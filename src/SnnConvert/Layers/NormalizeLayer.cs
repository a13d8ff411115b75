using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>y[n,c,h,w] = (x[n,c,h,w] - mean[c]) / std[c]. No trainable parameters.</summary>
public sealed class NormalizeLayer(NormalizeSpec spec) : Layer
{
    private int[]? _inputShape;

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, 4, "input");
        _inputShape = input.Shape;
        var output = OutputTensor(context, input.Shape);
        int n = input.Dim(0), c = input.Dim(1), s = input.Dim(2) * input.Dim(3);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                float m = spec.Mean[ch], inv = 1f / spec.Std[ch];
                var y = output.Data.AsSpan((i * c + ch) * s, s);
                TensorPrimitives.Subtract(input.Data.AsSpan((i * c + ch) * s, s), m, y);
                TensorPrimitives.Multiply(y, inv, y);
            }
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        int[] shape = Cached(_inputShape);
        var gradInput = GradInputTensor(shape);
        int n = shape[0], c = shape[1], s = shape[2] * shape[3];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
            {
                float inv = 1f / spec.Std[ch];
                TensorPrimitives.Multiply(gradOutput.Data.AsSpan((i * c + ch) * s, s), inv, gradInput.Data.AsSpan((i * c + ch) * s, s));
            }
        return gradInput;
    }
}
