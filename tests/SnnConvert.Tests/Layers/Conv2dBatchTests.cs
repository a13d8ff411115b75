using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;
using SnnConvert.Kernels;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// Conv2dLayer over whole batches against a double-precision direct convolution: output, input gradient, weight and
/// bias gradients, with output maps small enough that several images share one GEMM (Conv2dKernel.GroupSize &gt; 1)
/// and large enough that they do not, uneven chunks of images, and 3x3 layers on the Winograd path.
/// </summary>
public sealed class Conv2dBatchTests
{
    [Theory]
    [InlineData(37, 3, 5, 3, 1, 1, 4, 4, true)]     // 4x4 outputs: groups of images per GEMM
    [InlineData(37, 2, 4, 3, 2, 1, 5, 5, false)]    // stride 2, 3x3 outputs
    [InlineData(5, 2, 3, 5, 1, 0, 12, 12, true)]    // 8x8 outputs
    [InlineData(19, 1, 4, 3, 1, 1, 10, 9, true)]    // 90 outputs: one image per GEMM
    // 16 channels in and out: Winograd F(4x4, 3x3) for the output, the input gradient and the weight gradient.
    [InlineData(9, 16, 16, 3, 1, 1, 7, 6, true)]    // odd height: a half-used row of tiles
    [InlineData(37, 16, 32, 3, 1, 1, 4, 4, false)]  // 4 tiles per image: groups of images
    [InlineData(5, 32, 16, 3, 1, 0, 9, 8, true)]    // no padding
    [InlineData(3, 16, 16, 3, 1, 2, 5, 5, false)]   // padding 2 (the input gradient then has padding 0)
    [InlineData(2, 16, 16, 3, 1, 1, 32, 32, true)]  // 64 tiles per image
    [InlineData(70, 16, 8, 3, 1, 1, 3, 5, true)]    // one tile per image: chunks of several images, uneven
    public void Batch_matches_direct_convolution(int n, int cin, int cout, int k, int stride, int pad, int h, int w, bool bias)
    {
        var rng = new Random(11);
        var layer = new Conv2dLayer(new Conv2dSpec(cin, cout, k, stride, pad, bias), rng);
        if (layer.Bias is not null) GradientCheck.Fill(rng, layer.Bias.Value.Span);
        Tensor x = GradientCheck.RandomTensor(rng, [n, cin, h, w]);
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        Tensor dy = GradientCheck.RandomTensor(rng, [n, cout, ho, wo]);
        float[] wt = layer.Weight.Value.Data;

        var y = new double[n * cout * ho * wo];
        var dx = new double[x.Length];
        var dw = new double[wt.Length];
        var db = new double[cout];
        for (int i = 0; i < n; i++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int o = ((i * cout + co) * ho + oh) * wo + ow;
                        double sum = layer.Bias?.Value.Data[co] ?? 0;
                        db[co] += dy.Data[o];
                        for (int c = 0; c < cin; c++)
                            for (int ki = 0; ki < k; ki++)
                                for (int kj = 0; kj < k; kj++)
                                {
                                    int ih = oh * stride - pad + ki, iw = ow * stride - pad + kj;
                                    if (ih < 0 || iw < 0 || ih >= h || iw >= w) continue;
                                    int xi = ((i * cin + c) * h + ih) * w + iw, wi = ((co * cin + c) * k + ki) * k + kj;
                                    sum += (double)wt[wi] * x.Data[xi];
                                    dx[xi] += (double)wt[wi] * dy.Data[o];
                                    dw[wi] += (double)x.Data[xi] * dy.Data[o];
                                }
                        y[o] = sum;
                    }

        // Winograd's transforms cost float32 accuracy in proportion to the values' scale rather than to each result (a
        // small result may come out of large cancelling terms), so its errors are bounded relative to the RMS value.
        Conv2dSpec spec = layer.Spec as Conv2dSpec ?? throw new InvalidOperationException();
        bool winograd = WinogradConv3x3.Supports(spec.Kernel, spec.Stride, spec.Padding, spec.OutChannels, cin);
        void AssertClose(double[] expected, float[] actual) => Conv2dBatchTests.AssertClose(expected, actual, winograd);
        foreach (bool reuse in new[] { false, true })
        {
            var context = new ForwardContext(true, new Random(1)) { ReuseBuffers = reuse };
            Tensor output = layer.Forward(x, context);
            AssertClose(y, output.Data);
            layer.ZeroGrad();
            Tensor gradInput = layer.Backward(dy);
            AssertClose(dx, gradInput.Data);
            AssertClose(dw, layer.Weight.Grad.Data);
            if (layer.Bias is not null) AssertClose(db, layer.Bias.Grad.Data);

            // The parameters-only pass (lowest layer of a network) accumulates exactly the same gradients.
            float[] weightGrad = (float[])layer.Weight.Grad.Data.Clone();
            layer.Forward(x, context);
            layer.ZeroGrad();
            layer.BackwardParametersOnly(dy);
            Assert.Equal(weightGrad, layer.Weight.Grad.Data);
        }
    }

    private static void AssertClose(double[] expected, float[] actual, bool scaleByRms)
    {
        Assert.Equal(expected.Length, actual.Length);
        double rms = scaleByRms ? Math.Sqrt(expected.Sum(e => e * e) / Math.Max(1, expected.Length)) : 0;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(Math.Max(1, Math.Abs(expected[i])), rms), $"[{i}] expected {expected[i]:g7}, got {actual[i]:g7}");
    }
}
