using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;
using SnnConvert.Kernels;

namespace SnnConvert.Tests.Kernels;

/// <summary>
/// <see cref="WinogradF4Conv3x3"/> against a double-precision direct convolution: the forward pass, the input gradient
/// (the same kernel with flipped weights and padding 2 - p) and the weight gradient, on maps whose output sizes are and
/// are not multiples of the 4x4 tile, paddings 0 to 2, and batches split into uneven chunks and groups of images.
/// Errors are bounded relative to the RMS of the exact result (Winograd's float32 error scales with the values' size,
/// not with each result's); the bound is about 3x the largest error measured on cifar10-vgg's layer sizes.
/// </summary>
public sealed class WinogradF4Conv3x3Tests
{
    private const double Tolerance = 2e-4;

    [Theory]
    [InlineData(3, 8, 8, 8, 8, 1)]       // one 8x8 map: 2x2 tiles
    [InlineData(5, 16, 8, 7, 9, 1)]      // outputs 7x9: partly used tiles
    [InlineData(4, 8, 16, 6, 6, 0)]      // no padding: 4x4 outputs, one tile
    [InlineData(3, 16, 16, 5, 5, 2)]     // padding 2 (the input gradient's padding is then 0)
    [InlineData(70, 8, 16, 4, 4, 1)]     // one tile per image: 16 chunks, several images per group
    [InlineData(9, 32, 32, 32, 32, 1)]   // cifar10-vgg's first Winograd layer, 64 tiles per image
    [InlineData(21, 64, 32, 2, 3, 1)]    // maps smaller than a tile
    public void Matches_a_direct_convolution(int n, int c, int cout, int h, int w, int pad)
    {
        var rng = new Random(5);
        int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2;
        float[] x = Random(rng, n * c * h * w, 1f), weight = Random(rng, cout * c * 9, MathF.Sqrt(2f / (9 * c))), dy = Random(rng, n * cout * ho * wo, 1f);
        float[] bias = Random(rng, cout, 1f);
        var y = new double[n * cout * ho * wo];
        var dx = new double[x.Length];
        var dw = new double[weight.Length];
        for (int i = 0; i < n; i++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int o = ((i * cout + co) * ho + oh) * wo + ow;
                        double sum = bias[co];
                        for (int ci = 0; ci < c; ci++)
                            for (int ki = 0; ki < 3; ki++)
                                for (int kj = 0; kj < 3; kj++)
                                {
                                    int ih = oh - pad + ki, iw = ow - pad + kj;
                                    if (ih < 0 || iw < 0 || ih >= h || iw >= w) continue;
                                    int xi = ((i * c + ci) * h + ih) * w + iw, wi = ((co * c + ci) * 3 + ki) * 3 + kj;
                                    sum += (double)weight[wi] * x[xi];
                                    dx[xi] += (double)weight[wi] * dy[o];
                                    dw[wi] += (double)x[xi] * dy[o];
                                }
                        y[o] = sum;
                    }

        var workspace = new ChunkBuffers();
        var u = new float[36 * c * cout];
        WinogradF4Conv3x3.TransformWeights(weight, cout, c, flip: false, u);
        var output = new float[y.Length];
        WinogradF4Conv3x3.Forward(x, n, c, h, w, pad, u, cout, bias, output, workspace);
        AssertClose(y, output);

        var flipped = new float[36 * c * cout];
        WinogradF4Conv3x3.TransformWeights(weight, cout, c, flip: true, flipped);
        var gradInput = new float[x.Length];
        WinogradF4Conv3x3.Forward(dy, n, cout, ho, wo, 2 - pad, flipped, c, null, gradInput, workspace);
        AssertClose(dx, gradInput);

        // The weight gradient adds to what is there.
        var gradWeight = new float[weight.Length];
        gradWeight.AsSpan().Fill(1f);
        WinogradF4Conv3x3.WeightGradient(x, n, c, h, w, pad, dy, cout, gradWeight, workspace, new ChunkBuffers());
        AssertClose(dw.Select(v => v + 1).ToArray(), gradWeight);
    }

    [Fact]
    public void Split_depends_on_the_sizes_only_and_covers_the_batch()
    {
        foreach (int n in new[] { 1, 3, 4, 17, 64, 128, 1000 })
            foreach (int tiles in new[] { 1, 4, 16, 64, 256 })
            {
                (int chunks, int group) = WinogradF4Conv3x3.Split(n, tiles);
                Assert.InRange(chunks, 1, Math.Min(n, ChunkedParallel.MaxChunks));
                Assert.True(chunks >= Math.Min(n, WinogradF4Conv3x3.MinChunks));
                Assert.InRange(group, 1, (n + chunks - 1) / chunks);
            }
    }

    private static float[] Random(Random rng, int length, float scale)
    {
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (rng.NextSingle() * 2 - 1) * scale;
        return a;
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double rms = Math.Sqrt(expected.Sum(e => e * e) / expected.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * rms, $"[{i}] expected {expected[i]:g7}, got {actual[i]:g7} (RMS {rms:g4})");
    }
}
