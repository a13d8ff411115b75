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

    /// <summary>sum (x - mean)^2 in one pass without writing x - mean anywhere (float lanes, summed in order).</summary>
    public static float SumOfSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        int i = 0;
        var vm = new Vector<float>(mean);
        var acc = Vector<float>.Zero;
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            Vector<float> d = new Vector<float>(x.Slice(i)) - vm;
            acc += d * d;
        }
        float sum = Vector.Sum(acc);
        for (; i < x.Length; i++) sum += (x[i] - mean) * (x[i] - mean);
        return sum;
    }

    /// <summary>xhat = (x - mean) * invStd and y = xhat * scale + shift, element-wise, in one pass (batch norm forward).</summary>
    public static void Standardise(ReadOnlySpan<float> x, float mean, float invStd, float scale, float shift, Span<float> xhat, Span<float> y)
    {
        if (xhat.Length < x.Length || y.Length < x.Length) throw new ArgumentException("destination is shorter than the input");
        int i = 0;
        Vector<float> vm = new(mean), vr = new(invStd), vs = new(scale), vb = new(shift);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            Vector<float> h = (new Vector<float>(x.Slice(i)) - vm) * vr;
            h.CopyTo(xhat.Slice(i));
            (h * vs + vb).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++)
        {
            float h = (x[i] - mean) * invStd;
            xhat[i] = h;
            y[i] = h * scale + shift;
        }
    }

    /// <summary>(sum a, sum a * b) in one pass (float lanes, summed in order).</summary>
    public static (float Sum, float Dot) SumAndDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (b.Length < a.Length) throw new ArgumentException("second input is shorter than the first", nameof(b));
        int i = 0;
        Vector<float> sum = Vector<float>.Zero, dot = Vector<float>.Zero;
        for (; i + Vector<float>.Count <= a.Length; i += Vector<float>.Count)
        {
            var va = new Vector<float>(a.Slice(i));
            sum += va;
            dot += va * new Vector<float>(b.Slice(i));
        }
        float s = Vector.Sum(sum), d = Vector.Sum(dot);
        for (; i < a.Length; i++) { s += a[i]; d += a[i] * b[i]; }
        return (s, d);
    }

    /// <summary>d = (x * a + y) * scale + shift, element-wise (batch norm backward).</summary>
    public static void MultiplyAddAffine(ReadOnlySpan<float> x, float a, ReadOnlySpan<float> y, float scale, float shift, Span<float> d)
    {
        if (y.Length < x.Length || d.Length < x.Length) throw new ArgumentException("an operand is shorter than the input");
        int i = 0;
        Vector<float> va = new(a), vs = new(scale), vb = new(shift);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
            ((new Vector<float>(x.Slice(i)) * va + new Vector<float>(y.Slice(i))) * vs + vb).CopyTo(d.Slice(i));
        for (; i < x.Length; i++) d[i] = (x[i] * a + y[i]) * scale + shift;
    }

    /// <summary>Number of values that are not zero (-0 counts as zero).</summary>
    public static int CountNonZero(ReadOnlySpan<float> x)
    {
        int i = 0, zeros = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var counts = Vector<int>.Zero;
            for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
                counts -= Vector.Equals(new Vector<float>(x.Slice(i)), Vector<float>.Zero);   // lanes are -1 where equal
            zeros = Vector.Sum(counts);
        }
        for (; i < x.Length; i++) zeros += x[i] == 0f ? 1 : 0;
        return x.Length - zeros;
    }
}
