namespace SnnConvert.Kernels.Reference;

/// <summary>
/// Fully connected layer in plain loops: each output sums its products in input order from 0, then adds the bias
/// (the order of <see cref="EventDrivenLinear"/>, which agrees bit for bit).
/// </summary>
public static class ReferenceLinear
{
    /// <summary>One sample: x (in) -> y (out) with weights (out, in) and an optional bias (out; empty for none).</summary>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inFeatures, int outFeatures, Span<float> y)
    {
        for (int o = 0; o < outFeatures; o++)
        {
            float sum = 0f;
            for (int i = 0; i < inFeatures; i++) sum += x[i] * weight[o * inFeatures + i];
            y[o] = bias.IsEmpty ? sum : sum + bias[o];
        }
    }
}
