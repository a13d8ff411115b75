using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary>Forward values (and some backward values) against closed forms and direct loops.</summary>
public class LayerForwardTests
{
    private static readonly ForwardContext Train = new(true, new Random(1));

    private static void AssertClose(double expected, float actual, double scale, string where)
    {
        double tolerance = 1e-5 * Math.Max(1, scale);
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{where}: {actual}, expected {expected}");
    }

    // ---- Convolution ---------------------------------------------------------------------------

    [Theory]
    [InlineData(1, 2, 3, 5, 1, 0, false)]
    [InlineData(2, 3, 4, 3, 1, 1, true)]
    [InlineData(18, 2, 3, 3, 2, 1, true)]    // 18 images: chunks hold more than one image
    [InlineData(3, 1, 2, 5, 2, 2, false)]
    public void Conv2d_forward_and_backward_match_direct_loops(int n, int cin, int cout, int k, int stride, int pad, bool bias)
    {
        const int h = 7, w = 6;
        var rng = new Random(31);
        var layer = (Conv2dLayer)new Conv2dSpec(cin, cout, k, stride, pad, bias).Build(rng);
        if (layer.Bias is not null) GradientCheck.Fill(rng, layer.Bias.Value.Span);
        Tensor x = GradientCheck.RandomTensor(rng, [n, cin, h, w]);
        Tensor y = layer.Forward(x, Train);
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        Assert.Equal([n, cout, ho, wo], y.Shape);
        float[] wt = layer.Weight.Value.Data;

        // x value with zero padding, in double.
        double X(int b, int c, int i, int j) => i < 0 || j < 0 || i >= h || j >= w ? 0 : x.Data[((b * cin + c) * h + i) * w + j];
        int Wi(int co, int c, int ki, int kj) => ((co * cin + c) * k + ki) * k + kj;

        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        double sum = bias ? layer.Bias!.Value.Data[co] : 0, mag = Math.Abs(sum);
                        for (int c = 0; c < cin; c++)
                            for (int ki = 0; ki < k; ki++)
                                for (int kj = 0; kj < k; kj++)
                                {
                                    double t = wt[Wi(co, c, ki, kj)] * X(b, c, oh * stride - pad + ki, ow * stride - pad + kj);
                                    sum += t; mag += Math.Abs(t);
                                }
                        AssertClose(sum, y.Data[((b * cout + co) * ho + oh) * wo + ow], mag, $"y[{b},{co},{oh},{ow}]");
                    }

        // Backward: dx[b,c,i,j] = sum dy * W over the windows containing (i, j); dW = sum dy * x; db = sum dy.
        Tensor dy = GradientCheck.RandomTensor(rng, y.Shape);
        layer.ZeroGrad();
        Tensor dx = layer.Backward(dy);
        var dxRef = new double[x.Length];
        var dwRef = new double[wt.Length];
        var dbRef = new double[cout];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        double g = dy.Data[((b * cout + co) * ho + oh) * wo + ow];
                        dbRef[co] += g;
                        for (int c = 0; c < cin; c++)
                            for (int ki = 0; ki < k; ki++)
                                for (int kj = 0; kj < k; kj++)
                                {
                                    int i = oh * stride - pad + ki, j = ow * stride - pad + kj;
                                    if (i < 0 || j < 0 || i >= h || j >= w) continue;
                                    dxRef[((b * cin + c) * h + i) * w + j] += g * wt[Wi(co, c, ki, kj)];
                                    dwRef[Wi(co, c, ki, kj)] += g * x.Data[((b * cin + c) * h + i) * w + j];
                                }
                    }
        for (int i = 0; i < dx.Length; i++) AssertClose(dxRef[i], dx.Data[i], 10, $"dx[{i}]");
        for (int i = 0; i < wt.Length; i++) AssertClose(dwRef[i], layer.Weight.Grad.Data[i], n * ho * wo, $"dW[{i}]");
        if (bias)
            for (int co = 0; co < cout; co++) AssertClose(dbRef[co], layer.Bias!.Grad.Data[co], n * ho * wo, $"db[{co}]");
    }

    [Fact]
    public void Linear_forward_and_backward_match_direct_loops()
    {
        const int n = 18, fin = 7, fout = 5;   // 18 rows: chunks of the batch hold more than one row
        var rng = new Random(32);
        var layer = (LinearLayer)new LinearSpec(fin, fout, Bias: true).Build(rng);
        GradientCheck.Fill(rng, layer.Bias!.Value.Span);
        Tensor x = GradientCheck.RandomTensor(rng, [n, fin]);
        Tensor y = layer.Forward(x, Train);
        float[] wt = layer.Weight.Value.Data, b = layer.Bias.Value.Data;
        for (int i = 0; i < n; i++)
            for (int o = 0; o < fout; o++)
            {
                double s = b[o];
                for (int f = 0; f < fin; f++) s += (double)x.Data[i * fin + f] * wt[o * fin + f];
                AssertClose(s, y.Data[i * fout + o], fin, $"y[{i},{o}]");
            }
        Tensor dy = GradientCheck.RandomTensor(rng, y.Shape);
        layer.ZeroGrad();
        Tensor dx = layer.Backward(dy);
        for (int i = 0; i < n; i++)
            for (int f = 0; f < fin; f++)
            {
                double s = 0;
                for (int o = 0; o < fout; o++) s += (double)dy.Data[i * fout + o] * wt[o * fin + f];
                AssertClose(s, dx.Data[i * fin + f], fout, $"dx[{i},{f}]");
            }
        for (int o = 0; o < fout; o++)
        {
            double sb = 0;
            for (int i = 0; i < n; i++) sb += dy.Data[i * fout + o];
            AssertClose(sb, layer.Bias.Grad.Data[o], n, $"db[{o}]");
            for (int f = 0; f < fin; f++)
            {
                double s = 0;
                for (int i = 0; i < n; i++) s += (double)dy.Data[i * fout + o] * x.Data[i * fin + f];
                AssertClose(s, layer.Weight.Grad.Data[o * fin + f], n, $"dW[{o},{f}]");
            }
        }
    }

    [Fact]
    public void Parameter_gradients_accumulate_over_backward_calls()
    {
        var rng = new Random(33);
        Layer[] layers =
        [
            new Conv2dSpec(2, 3, 3, Padding: 1, Bias: true).Build(rng), new LinearSpec(2 * 4 * 4, 3, Bias: true).Build(rng),
            new BatchNorm2dSpec(2).Build(rng),
        ];
        foreach (Layer layer in layers)
        {
            Tensor x = GradientCheck.RandomTensor(rng, [3, 2, 4, 4]);
            if (layer is LinearLayer) x = x.Reshape(3, 32);
            Tensor y = layer.Forward(x, Train);
            Tensor dy = GradientCheck.RandomTensor(rng, y.Shape);
            layer.ZeroGrad();
            layer.Backward(dy);
            float[][] once = layer.Parameters.Select(p => (float[])p.Grad.Data.Clone()).ToArray();
            Assert.Contains(once, g => g.Any(v => v != 0));
            layer.Backward(dy);
            for (int i = 0; i < once.Length; i++)
                for (int j = 0; j < once[i].Length; j++)
                    AssertClose(2.0 * once[i][j], layer.Parameters[i].Grad.Data[j], Math.Abs(once[i][j]), $"{layer.Spec.Describe()} {layer.Parameters[i].Name}[{j}]");
            layer.ZeroGrad();
            Assert.All(layer.Parameters, p => Assert.All(p.Grad.Data, v => Assert.Equal(0f, v)));
        }
    }

    [Fact]
    public void Backward_before_forward_throws()
    {
        var rng = new Random(34);
        foreach (LayerSpec spec in new LayerSpec[] { new Conv2dSpec(1, 1, 3), new LinearSpec(2, 2), new ReluSpec(), new AvgPool2dSpec(2), new MaxPool2dSpec(2), new BatchNorm2dSpec(1), new FlattenSpec() })
            Assert.Throws<InvalidOperationException>(() => spec.Build(rng).Backward(new Tensor(1, 1, 2, 2)));
    }

    // ---- Pooling -------------------------------------------------------------------------------

    private static Tensor Counting(int h, int w) => new(Enumerable.Range(1, h * w).Select(v => (float)v).ToArray(), 1, 1, h, w);

    [Fact]
    public void AvgPool_and_MaxPool_2x2_on_a_hand_computed_example()
    {
        //  1  2  3  4
        //  5  6  7  8      windows {1,2,5,6} {3,4,7,8} {9,10,13,14} {11,12,15,16}
        //  9 10 11 12      means    3.5  5.5  11.5  13.5
        // 13 14 15 16      maxima   6    8    14    16
        Tensor x = Counting(4, 4);
        Tensor avg = new AvgPool2dSpec(2).Build(new Random(0)).Forward(x, Train);
        Tensor max = new MaxPool2dSpec(2).Build(new Random(0)).Forward(x, Train);
        Assert.Equal([1, 1, 2, 2], avg.Shape);
        Assert.Equal([3.5f, 5.5f, 11.5f, 13.5f], avg.Data);
        Assert.Equal([6f, 8f, 14f, 16f], max.Data);
    }

    [Fact]
    public void AvgPool_and_MaxPool_3x3_stride_2_overlapping_on_a_hand_computed_example()
    {
        // 5x5 of 1..25; windows start at rows/columns 0 and 2 and share row/column 2.
        // (0,0): 1 2 3 / 6 7 8 / 11 12 13 -> mean 7, max 13     (0,2): 3 4 5 / 8 9 10 / 13 14 15 -> mean 9, max 15
        // (2,0): 11..13 / 16..18 / 21..23 -> mean 17, max 23   (2,2): 13..15 / 18..20 / 23..25 -> mean 19, max 25
        Tensor x = Counting(5, 5);
        var avgLayer = new AvgPool2dSpec(3, 2).Build(new Random(0));
        Tensor avg = avgLayer.Forward(x, Train);
        Tensor max = new MaxPool2dSpec(3, 2).Build(new Random(0)).Forward(x, Train);
        Assert.Equal([1, 1, 2, 2], avg.Shape);
        Assert.Equal([7f, 9f, 17f, 19f], avg.Data);
        Assert.Equal([13f, 15f, 23f, 25f], max.Data);

        // Backward of ones: each input gets 1/9 per window it is in; the centre (2,2) is in all four.
        Tensor dx = avgLayer.Backward(new Tensor(Enumerable.Repeat(1f, 4).ToArray(), 1, 1, 2, 2));
        int[,] windows =
        {
            { 1, 1, 2, 1, 1 }, { 1, 1, 2, 1, 1 }, { 2, 2, 4, 2, 2 }, { 1, 1, 2, 1, 1 }, { 1, 1, 2, 1, 1 },
        };
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                Assert.Equal(windows[i, j] / 9f, dx.Data[i * 5 + j], 1e-6);
    }

    [Fact]
    public void MaxPool_routes_the_gradient_to_the_first_maximum_on_ties()
    {
        //  1  9  2  0
        //  3  4  8  7      maxima: 9, 8, -1, 6 (6 appears three times in the last window: first one wins)
        // -1 -5  6  6
        // -2 -3  6  5
        var x = new Tensor(new float[] { 1, 9, 2, 0, 3, 4, 8, 7, -1, -5, 6, 6, -2, -3, 6, 5 }, 1, 1, 4, 4);
        Layer layer = new MaxPool2dSpec(2).Build(new Random(0));
        Assert.Equal([9f, 8f, -1f, 6f], layer.Forward(x, Train).Data);
        Tensor dx = layer.Backward(new Tensor(new float[] { 10, 20, 30, 40 }, 1, 1, 2, 2));
        Assert.Equal([0, 10, 0, 0, 0, 0, 20, 0, 30, 0, 40, 0, 0, 0, 0, 0], dx.Data);
    }

    // ---- Batch normalisation -------------------------------------------------------------------

    [Fact]
    public void BatchNorm2d_training_normalises_each_channel_and_updates_running_stats_with_momentum()
    {
        const int n = 3, c = 2, h = 4, w = 5, m = n * h * w;
        var rng = new Random(35);
        var layer = (BatchNormLayer)new BatchNorm2dSpec(c, Momentum: 0.1f).Build(rng);
        // Channel 1 has a large offset and scale.
        Tensor x = GradientCheck.RandomTensor(rng, [n, c, h, w]);
        for (int b = 0; b < n; b++)
            for (int i = 0; i < h * w; i++) x.Data[(b * c + 1) * h * w + i] = 10 + 3 * x.Data[(b * c + 1) * h * w + i];
        Tensor y = layer.Forward(x, Train);

        for (int ch = 0; ch < c; ch++)
        {
            var xs = Channel(x, ch, n, c, h * w);
            var ys = Channel(y, ch, n, c, h * w);
            // Output: mean 0, biased variance 1 (up to eps = 1e-5 in the denominator).
            Assert.Equal(0, ys.Average(), 1e-5);
            Assert.Equal(1, ys.Select(v => v * v).Average(), 1e-3);
            // Running stats: 0.9 * (0, 1) + 0.1 * (batch mean, unbiased batch variance).
            double mean = xs.Average(), unbiased = xs.Sum(v => (v - mean) * (v - mean)) / (m - 1);
            Assert.Equal(0.1 * mean, layer.RunningMean.Data[ch], 1e-5);
            Assert.Equal(0.9 + 0.1 * unbiased, layer.RunningVar.Data[ch], 1e-4);
        }

        // A second batch: r = 0.9 r + 0.1 batch.
        double[] rm1 = layer.RunningMean.Data.Select(v => (double)v).ToArray(), rv1 = layer.RunningVar.Data.Select(v => (double)v).ToArray();
        Tensor x2 = GradientCheck.RandomTensor(rng, [n, c, h, w], -3, 1);
        layer.Forward(x2, Train);
        for (int ch = 0; ch < c; ch++)
        {
            var xs = Channel(x2, ch, n, c, h * w);
            double mean = xs.Average(), unbiased = xs.Sum(v => (v - mean) * (v - mean)) / (m - 1);
            Assert.Equal(0.9 * rm1[ch] + 0.1 * mean, layer.RunningMean.Data[ch], 1e-5);
            Assert.Equal(0.9 * rv1[ch] + 0.1 * unbiased, layer.RunningVar.Data[ch], 1e-4);
        }
    }

    [Fact]
    public void BatchNorm_training_output_uses_gamma_and_beta()
    {
        var rng = new Random(36);
        var layer = (BatchNormLayer)new BatchNorm1dSpec(3).Build(rng);
        layer.Gamma.Value.Data[1] = 2.5f;
        layer.Beta.Value.Data[1] = -0.75f;
        Tensor x = GradientCheck.RandomTensor(rng, [8, 3], 0, 5);
        Tensor y = layer.Forward(x, Train);
        var ys = Channel(y, 1, 8, 3, 1);
        double mean = ys.Average();
        Assert.Equal(-0.75, mean, 1e-5);
        Assert.Equal(2.5, Math.Sqrt(ys.Select(v => (v - mean) * (v - mean)).Average()), 1e-3);
    }

    [Fact]
    public void BatchNorm_eval_uses_running_stats_and_leaves_them_alone()
    {
        var rng = new Random(37);
        var layer = (BatchNormLayer)new BatchNorm2dSpec(2, Eps: 1e-3f).Build(rng);
        float[] mean = [0.5f, -1f], variance = [4f, 0.25f], gamma = [1.5f, -0.5f], beta = [0.1f, 2f];
        mean.CopyTo(layer.RunningMean.Data, 0);
        variance.CopyTo(layer.RunningVar.Data, 0);
        gamma.CopyTo(layer.Gamma.Value.Data, 0);
        beta.CopyTo(layer.Beta.Value.Data, 0);
        Tensor x = GradientCheck.RandomTensor(rng, [1, 2, 1, 3]);   // a single value per channel is fine in eval mode
        Tensor y = layer.Forward(x, ForwardContext.Eval);
        for (int ch = 0; ch < 2; ch++)
            for (int i = 0; i < 3; i++)
            {
                double expected = gamma[ch] * (x.Data[ch * 3 + i] - mean[ch]) / Math.Sqrt(variance[ch] + 1e-3) + beta[ch];
                Assert.Equal(expected, y.Data[ch * 3 + i], 1e-5);
            }
        Assert.Equal(mean, layer.RunningMean.Data);
        Assert.Equal(variance, layer.RunningVar.Data);
    }

    [Fact]
    public void BatchNorm_training_rejects_a_single_value_per_channel()
    {
        var layer = new BatchNorm1dSpec(3).Build(new Random(0));
        Assert.Throws<ArgumentException>(() => layer.Forward(new Tensor(1, 3), Train));
        Assert.Throws<ArgumentException>(() => layer.Forward(new Tensor(4, 2), Train));   // wrong feature count
    }

    private static double[] Channel(Tensor t, int ch, int n, int c, int s)
    {
        var values = new List<double>();
        for (int b = 0; b < n; b++)
            for (int i = 0; i < s; i++) values.Add(t.Data[(b * c + ch) * s + i]);
        return values.ToArray();
    }

    // ---- Dropout -------------------------------------------------------------------------------

    [Theory]
    [InlineData(0.25f)]
    [InlineData(0.5f)]
    public void Dropout_keeps_or_zeroes_each_element_and_scales_kept_ones_by_1_over_1_minus_p(float p)
    {
        var rng = new Random(38);
        Tensor x = GradientCheck.RandomTensor(rng, [4, 5, 6, 6], 0.5, 1.5);   // no zeros in the input
        Layer layer = new DropoutSpec(p).Build(rng);
        Tensor y = layer.Forward(x, new ForwardContext(true, new Random(5)));
        double scale = 1.0 / (1 - p);
        int kept = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (y.Data[i] == 0) continue;
            kept++;
            Assert.Equal(x.Data[i] * scale, y.Data[i], 1e-5);
        }
        // 720 elements: the kept fraction is 1 - p within a generous binomial margin (sd ~ 0.019).
        Assert.InRange(kept / (double)x.Length, 1 - p - 0.08, 1 - p + 0.08);
        // The same seed gives the same mask; backward applies it.
        Tensor again = layer.Forward(x, new ForwardContext(true, new Random(5)));
        Assert.Equal(y.Data, again.Data);
        Tensor dx = layer.Backward(new Tensor(Enumerable.Repeat(1f, x.Length).ToArray(), x.Shape));
        for (int i = 0; i < x.Length; i++) Assert.Equal(y.Data[i] == 0 ? 0 : scale, dx.Data[i], 1e-5);
    }

    [Fact]
    public void Dropout2d_drops_whole_feature_maps()
    {
        const float p = 0.5f;
        var rng = new Random(39);
        Tensor x = GradientCheck.RandomTensor(rng, [6, 8, 3, 3], 0.5, 1.5);
        Tensor y = new Dropout2dSpec(p).Build(rng).Forward(x, new ForwardContext(true, new Random(6)));
        int dropped = 0;
        for (int map = 0; map < 6 * 8; map++)
        {
            var ys = y.Data.AsSpan(map * 9, 9).ToArray();
            bool zero = ys[0] == 0;
            if (zero) dropped++;
            for (int i = 0; i < 9; i++)
                Assert.Equal(zero ? 0 : x.Data[map * 9 + i] * 2.0, ys[i], 1e-5);   // 1 / (1 - 0.5) = 2
        }
        Assert.InRange(dropped, 10, 38);   // 48 maps, p = 0.5: mean 24, sd ~ 3.5
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Dropout_is_the_identity_in_eval_mode(bool channelWise)
    {
        var rng = new Random(40);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 3, 4, 4]);
        float[] before = (float[])x.Data.Clone();
        Layer layer = (channelWise ? (LayerSpec)new Dropout2dSpec(0.9f) : new DropoutSpec(0.9f)).Build(rng);
        Tensor y = layer.Forward(x, ForwardContext.Eval);
        Assert.Equal(before, y.Data);
        Tensor dy = GradientCheck.RandomTensor(rng, x.Shape);
        Assert.Equal(dy.Data, layer.Backward(dy).Data);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(float.NaN)]
    public void Dropout_rejects_probabilities_outside_0_to_1(float p)
    {
        Assert.Throws<ArgumentException>(() => new DropoutSpec(p).Build(new Random(0)));
        Assert.Throws<ArgumentException>(() => new Dropout2dSpec(p).Build(new Random(0)));
    }

    // ---- Element-wise and shape layers ----------------------------------------------------------

    [Fact]
    public void Relu_Normalize_and_Flatten_closed_forms()
    {
        var x = new Tensor(new float[] { -2, -0.5f, 0, 0.5f, 3, -1, 4, 0.25f }, 1, 2, 2, 2);
        Assert.Equal([0, 0, 0, 0.5f, 3, 0, 4, 0.25f], new ReluSpec().Build(new Random(0)).Forward(x, Train).Data);

        Tensor z = new NormalizeSpec([1f, -1f], [2f, 0.5f]).Build(new Random(0)).Forward(x, Train);
        // Channel 0: (x - 1) / 2; channel 1: (x + 1) / 0.5.
        Assert.Equal([-1.5f, -0.75f, -0.5f, -0.25f, 8f, 0f, 10f, 2.5f], z.Data);

        // Flatten keeps (C, H, W) order: element (c, h, w) lands at c*H*W + h*W + w.
        var big = GradientCheck.RandomTensor(new Random(41), [2, 3, 2, 2]);
        Tensor f = new FlattenSpec().Build(new Random(0)).Forward(big, Train);
        Assert.Equal([2, 12], f.Shape);
        Assert.Equal(big.Data[1 * 12 + 2 * 4 + 1 * 2 + 0], f.Data[1 * 12 + 2 * 4 + 2]);
        Assert.Equal(big.Data, f.Data);
    }
}
