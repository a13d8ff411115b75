using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Inverted dropout: in training each element (or each (n, c) feature map when channel-wise) is kept with
/// probability 1 - p and scaled by 1 / (1 - p); evaluation is the identity. Masks come from the context's Random.
/// </summary>
public sealed class DropoutLayer : Layer
{
    private readonly LayerSpec _spec;
    private readonly float _p;
    private readonly bool _channelWise;
    private float[]? _mask;   // per element: 0 or 1 / (1 - p); null after an evaluation pass

    /// <summary>Creates the layer; <paramref name="p"/> must lie in [0, 1).</summary>
    public DropoutLayer(LayerSpec spec, float p, bool channelWise)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"{spec.Describe()}: drop probability must be in [0, 1), got {p}");
        _spec = spec; _p = p; _channelWise = channelWise;
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        if (!context.Training || _p == 0f) { _mask = null; return input; }
        var mask = new float[input.Length];
        float keep = 1f / (1f - _p);
        int group = _channelWise ? input.Length / (input.Dim(0) * input.Dim(1)) : 1;
        for (int start = 0; start < mask.Length; start += group)
        {
            float v = context.Random.NextSingle() >= _p ? keep : 0f;
            mask.AsSpan(start, group).Fill(v);
        }
        _mask = mask;
        var output = new Tensor(input.Shape);
        TensorPrimitives.Multiply(input.Data, mask, output.Data);
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        if (_mask is null) return gradOutput;
        var gradInput = new Tensor(gradOutput.Shape);
        TensorPrimitives.Multiply(gradOutput.Data, _mask, gradInput.Data);
        return gradInput;
    }
}
