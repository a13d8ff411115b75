using System.Numerics;

namespace SnnConvert.Layers;

/// <summary>
/// One-pass span kernels of <see cref="BatchNormLayer"/> that work from the layer's input x and the channel's mean and
/// 1/std instead of a stored xhat = (x - mean) / std (which cost a batch-sized write in the forward pass and a read in
/// the backward pass); the backward kernels optionally take a fused ReLU's output, whose mask y &gt; 0 gates the
/// incoming gradient. Every kernel uses the same float operations in the same order in its vector body and its scalar tail.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>y = ((x - mean) * invStd) * scale + shift: xhat * gamma + beta without storing xhat.</summary>
    public static void Normalise(ReadOnlySpan<float> x, float mean, float invStd, float scale, float shift, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is shorter than the input", nameof(y));
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), vs = new(scale), vb = new(shift);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
            (((new Vector<float>(x.Slice(i)) - vm) * vr) * vs + vb).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] = ((x[i] - mean) * invStd) * scale + shift;
    }

    /// <summary>
    /// (sum g, sum g * xhat) with xhat = (x - mean) * invStd and g = dy, or, when <paramref name="output"/> is not empty
    /// (a fused ReLU's output), g = dy where output &gt; 0 and 0 elsewhere. Float lanes, summed in order.
    /// </summary>
    public static (float Sum, float Dot) GradientSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, ReadOnlySpan<float> output)
    {
        bool relu = !output.IsEmpty;
        if (x.Length < dy.Length || (relu && output.Length < dy.Length)) throw new ArgumentException("an operand is shorter than the gradient");
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), sum = Vector<float>.Zero, dot = Vector<float>.Zero;
        for (; i + Vector<float>.Count <= dy.Length; i += Vector<float>.Count)
        {
            Vector<float> g = new(dy.Slice(i));
            if (relu) g = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(output.Slice(i)), Vector<float>.Zero), g, Vector<float>.Zero);
            sum += g;
            dot += g * ((new Vector<float>(x.Slice(i)) - vm) * vr);
        }
        float s = Vector.Sum(sum), d = Vector.Sum(dot);
        for (; i < dy.Length; i++)
        {
            float g = relu && !(output[i] > 0f) ? 0f : dy[i];
            s += g;
            d += g * ((x[i] - mean) * invStd);
        }
        return (s, d);
    }

    /// <summary>
    /// dx = (xhat * a + g) * scale + shift with xhat and g as in <see cref="GradientSums"/> (the batch norm backward
    /// dx = gamma rstd (g - mean g - xhat mean(g xhat)) for a = -mean(g xhat), scale = gamma rstd, shift = -mean(g) scale).
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, ReadOnlySpan<float> output,
        float a, float scale, float shift, Span<float> dx)
    {
        bool relu = !output.IsEmpty;
        if (x.Length < dy.Length || dx.Length < dy.Length || (relu && output.Length < dy.Length)) throw new ArgumentException("an operand is shorter than the gradient");
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), va = new(a), vs = new(scale), vb = new(shift);
        for (; i + Vector<float>.Count <= dy.Length; i += Vector<float>.Count)
        {
            Vector<float> g = new(dy.Slice(i));
            if (relu) g = Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(output.Slice(i)), Vector<float>.Zero), g, Vector<float>.Zero);
            Vector<float> h = (new Vector<float>(x.Slice(i)) - vm) * vr;
            ((h * va + g) * vs + vb).CopyTo(dx.Slice(i));
        }
        for (; i < dy.Length; i++)
        {
            float g = relu && !(output[i] > 0f) ? 0f : dy[i];
            float h = (x[i] - mean) * invStd;
            dx[i] = (h * a + g) * scale + shift;
        }
    }
}
