using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

/// <summary>The fused batch-norm kernels of SpanMath against element-by-element references in double.</summary>
public sealed class SpanMathTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]    // vector blocks and a scalar tail
    [InlineData(784)]
    public void Fused_kernels_match_their_definitions(int n)
    {
        var rng = new Random(n);
        float[] x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 1)).ToArray();
        float[] y = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        const float mean = 0.7f, invStd = 1.3f, scale = -0.6f, shift = 0.25f, a = -0.4f;

        Assert.Equal(x.Sum(v => ((double)v - mean) * ((double)v - mean)), SpanMath.SumOfSquaredDeviations(x, mean), 1e-3);

        var xhat = new float[n];
        var outp = new float[n];
        SpanMath.Standardise(x, mean, invStd, scale, shift, xhat, outp);
        for (int i = 0; i < n; i++)
        {
            double h = ((double)x[i] - mean) * invStd;
            Assert.Equal(h, xhat[i], 1e-5);
            Assert.Equal(h * scale + shift, outp[i], 1e-5);
        }

        (float sum, float dot) = SpanMath.SumAndDot(x, y);
        Assert.Equal(x.Sum(v => (double)v), sum, 1e-3);
        Assert.Equal(x.Zip(y, (p, q) => (double)p * q).Sum(), dot, 1e-3);

        var d = new float[n];
        SpanMath.MultiplyAddAffine(x, a, y, scale, shift, d);
        for (int i = 0; i < n; i++) Assert.Equal(((double)x[i] * a + y[i]) * scale + shift, d[i], 1e-5);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]     // scalar tail only
    [InlineData(37)]    // vector blocks and a scalar tail
    [InlineData(1728)]
    public void Non_zero_count_equals_a_plain_loop(int n)
    {
        var rng = new Random(n + 3);
        float[] special = [0f, -0f, float.NaN, 1f, -1f, 0.25f, float.Epsilon];
        float[] x = Enumerable.Range(0, n).Select(_ => special[rng.Next(special.Length)]).ToArray();
        Assert.Equal(x.Count(v => v != 0f), SpanMath.CountNonZero(x));
    }
}
