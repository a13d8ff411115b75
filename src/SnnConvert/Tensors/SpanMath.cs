using System.Numerics;

namespace SnnConvert.Tensors;

/// <summary>Element-wise span kernels that TensorPrimitives lacks.</summary>
public static class SpanMath
{
    /// <summary>y = x * scale + shift, element-wise (y may be x).</summary>
    public static void Affine(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is shorter than the input", nameof(y));
        int i = 0;
        var vs = new Vector<float>(scale);
        var vb = new Vector<float>(shift);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
            (new Vector<float>(x.Slice(i)) * vs + vb).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] = x[i] * scale + shift;
    }
}
