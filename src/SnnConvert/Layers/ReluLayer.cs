using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>y = max(0, x); dx = dy where y &gt; 0.</summary>
public sealed class ReluLayer(ReluSpec spec) : Layer
{
    private Tensor? _output;   // cached: the mask is output > 0

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        var output = new Tensor(input.Shape);
        TensorPrimitives.Max(input.Data, 0f, output.Data);
        _output = output;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor y = Cached(_output);
        var gradInput = new Tensor(y.Shape);
        float[] dy = gradOutput.Data, dx = gradInput.Data, yd = y.Data;
        for (int i = 0; i < dx.Length; i++) dx[i] = yd[i] > 0f ? dy[i] : 0f;
        return gradInput;
    }
}
