using System.Numerics;

namespace SnnConvert.Kernels;

/// <summary>
/// One-pass span kernels of <c>BatchNormLayer</c> that work from the layer's input x and the channel's mean and
/// 1/std instead of a stored xhat = (x - mean) / std (which cost a batch-sized write in the forward pass and a read in
/// the backward pass); the backward kernels optionally apply a fused ReLU's mask, recomputed from x. Every kernel uses the same float operations in the same order in its vector body and its scalar tail.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>
    /// y = ((x - mean) * invStd) * scale + shift (xhat * gamma + beta without storing xhat), then, with
    /// <paramref name="relu"/>, max(y, 0) with IEEE semantics (NaN stays NaN, as TensorPrimitives.Max and ReluLayer).
    /// </summary>
    public static void Normalise(ReadOnlySpan<float> x, float mean, float invStd, float scale, float shift, bool relu, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is shorter than the input", nameof(y));
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), vs = new(scale), vb = new(shift);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            Vector<float> v = ((new Vector<float>(x.Slice(i)) - vm) * vr) * vs + vb;
            (relu ? Vector.Max(v, Vector<float>.Zero) : v).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++)
        {
            float v = ((x[i] - mean) * invStd) * scale + shift;
            y[i] = relu ? MathF.Max(v, 0f) : v;
        }
    }

    /// <summary>
    /// (sum g, sum g * xhat) with xhat = (x - mean) * invStd and g = dy, or, with a fused ReLU (<paramref name="relu"/>),
    /// g = dy where the forward pass's xhat * scale + shift was positive and 0 elsewhere: the mask is recomputed from x
    /// with the forward's operations (so it is the same bit for bit) rather than read from the output. Float lanes,
    /// summed in order.
    /// </summary>
    public static (float Sum, float Dot) GradientSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd,
        bool relu, float scale, float shift)
    {
        if (x.Length < dy.Length) throw new ArgumentException("an operand is shorter than the gradient");
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), vs = new(scale), vb = new(shift), sum = Vector<float>.Zero, dot = Vector<float>.Zero;
        for (; i + Vector<float>.Count <= dy.Length; i += Vector<float>.Count)
        {
            Vector<float> g = new(dy.Slice(i)), h = (new Vector<float>(x.Slice(i)) - vm) * vr;
            if (relu) g = Vector.ConditionalSelect(Vector.GreaterThan(h * vs + vb, Vector<float>.Zero), g, Vector<float>.Zero);
            sum += g;
            dot += g * h;
        }
        float s = Vector.Sum(sum), d = Vector.Sum(dot);
        for (; i < dy.Length; i++)
        {
            float h = (x[i] - mean) * invStd;
            float g = relu && !(h * scale + shift > 0f) ? 0f : dy[i];
            s += g;
            d += g * h;
        }
        return (s, d);
    }

    /// <summary>
    /// dx = (xhat * a + g) * gradScale + gradShift with xhat and g as in <see cref="GradientSums"/> (the batch norm backward
    /// dx = gamma rstd (g - mean g - xhat mean(g xhat)) for a = -mean(g xhat), gradScale = gamma rstd,
    /// gradShift = -mean(g) gradScale).
    /// </summary>
    public static void InputGradient(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, bool relu, float scale, float shift,
        float a, float gradScale, float gradShift, Span<float> dx)
    {
        if (x.Length < dy.Length || dx.Length < dy.Length) throw new ArgumentException("an operand is shorter than the gradient");
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), vs = new(scale), vb = new(shift), va = new(a), vgs = new(gradScale), vgb = new(gradShift);
        for (; i + Vector<float>.Count <= dy.Length; i += Vector<float>.Count)
        {
            Vector<float> g = new(dy.Slice(i)), h = (new Vector<float>(x.Slice(i)) - vm) * vr;
            if (relu) g = Vector.ConditionalSelect(Vector.GreaterThan(h * vs + vb, Vector<float>.Zero), g, Vector<float>.Zero);
            ((h * va + g) * vgs + vgb).CopyTo(dx.Slice(i));
        }
        for (; i < dy.Length; i++)
        {
            float h = (x[i] - mean) * invStd;
            float g = relu && !(h * scale + shift > 0f) ? 0f : dy[i];
            dx[i] = (h * a + g) * gradScale + gradShift;
        }
    }
}
