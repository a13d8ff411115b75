using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// The QCFS activation h(z) = lambda * clip(floor(z L / lambda + 1/2) / L, 0, 1) (Bu et al. 2022): forward against the
/// formula in double; backward against finite differences where h is smooth in lambda (above the clip h = lambda, below
/// it h = 0), and against the authors' straight-through rule inside the clip (dh/dz = 1 and dh/dlambda = q - z / lambda
/// for 0 &lt;= z / lambda &lt;= 1, bounds included; 0 and 1 or 0 outside); per-channel sums; chunking; shape errors.
/// </summary>
public class QcfsLayerTests
{
    private static double Reference(double z, double lambda, int levels) =>
        lambda * Math.Clamp(Math.Floor(z * levels / lambda + 0.5) / levels, 0, 1);

    // The straight-through derivatives of the authors' autograd, in double: (dh/dz, dh/dlambda).
    private static (double Dz, double DLambda) StraightThrough(double z, double lambda, int levels)
    {
        double x = z / lambda;
        if (x < 0) return (0, 0);
        if (x > 1) return (0, 1);
        return (1, Math.Floor(x * levels + 0.5) / levels - x);
    }

    private static QcfsLayer Layer(int levels, float[] lambda)
    {
        var layer = (QcfsLayer)new QcfsSpec(levels, lambda.Length).Build(new Random(0));
        lambda.CopyTo(layer.Threshold.Value.Data, 0);
        return layer;
    }

    // A value of z whose level is not within 1e-3 steps of a rounding boundary (float and double then agree on it).
    private static float AwayFromBoundaries(Random rng, float lambda, int levels, double lo, double hi)
    {
        while (true)
        {
            float z = (float)(lo + (hi - lo) * rng.NextDouble());
            double u = z * levels / (double)lambda + 0.5;
            if (Math.Abs(u - Math.Round(u)) > 1e-3) return z;
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 1)]
    [InlineData(8, 5)]
    [InlineData(16, 3)]
    public void Forward_matches_the_formula_in_double(int levels, int thresholds)
    {
        var rng = new Random(levels * 10 + thresholds);
        float[] lambda = Enumerable.Range(0, thresholds).Select(c => 0.5f + c * 0.7f).ToArray();
        QcfsLayer layer = Layer(levels, lambda);
        var x = new Tensor(3, thresholds == 1 ? 4 : thresholds, 5, 6);
        int c = x.Dim(1), plane = 30;
        for (int i = 0; i < x.Length; i++)
        {
            float l = lambda[thresholds == 1 ? 0 : i / plane % c];
            x.Data[i] = AwayFromBoundaries(rng, l, levels, -0.5 * l, 1.5 * l);
        }
        Tensor y = layer.Forward(x, ForwardContext.Eval);
        int levelsSeen = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float l = lambda[thresholds == 1 ? 0 : i / plane % c];
            double expected = Reference(x.Data[i], l, levels);
            Assert.True(Math.Abs(y.Data[i] - expected) <= 1e-6 * l, $"[{i}] z {x.Data[i]}, lambda {l}: {y.Data[i]} against {expected}");
            if (expected > 0 && expected < l) levelsSeen++;
        }
        Assert.True(levels == 1 || levelsSeen > 0, "no value fell inside the clip");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void The_threshold_gradient_matches_finite_differences_where_h_is_smooth(int levels)
    {
        // Above the clip h = lambda (dh/dlambda = 1), including the band lambda < z < lambda (1 + 1/(2L)) whose level is
        // already L; below it h = 0, including the band -lambda/(2L) <= z < 0 whose level is already 0. dh/dz is 0 in both.
        const float lambda = 2f;
        float band = lambda / (2 * levels);
        var rng = new Random(levels);
        var x = new Tensor(4, 3, 2, 5);
        for (int i = 0; i < x.Length; i++)
            x.Data[i] = (i % 4) switch
            {
                0 => (float)(lambda + 0.02 + (band - 0.04) * rng.NextDouble()),    // the upper band
                1 => (float)(lambda * (1.2 + rng.NextDouble())),                  // far above
                2 => (float)(-band + 0.02 + (band - 0.04) * rng.NextDouble()),     // the lower band
                _ => (float)(-lambda * (0.3 + rng.NextDouble())),                 // far below
            };
        QcfsLayer layer = Layer(levels, [lambda]);
        Tensor output = layer.Forward(x, ForwardContext.Eval);
        Tensor r = GradientCheck.RandomTensor(new Random(7), output.Shape);
        layer.ZeroGrad();
        Tensor dx = layer.Backward(r);
        Assert.All(dx.Data, d => Assert.Equal(0f, d));
        float[] analytic = (float[])layer.Threshold.Grad.Data.Clone();
        GradientCheck.Compare("lambda", layer.Threshold.Value.Data, analytic,
            () => GradientCheck.Dot(layer.Forward(x, ForwardContext.Eval).Data, r.Data), new GradientCheck.Options(Eps: 1e-2, Tolerance: 1e-3, Floor: 0.1));
        // Also exactly: the sum of dy over the elements above the clip.
        double above = 0;
        for (int i = 0; i < x.Length; i++) if (x.Data[i] > lambda) above += r.Data[i];
        Assert.Equal(above, analytic[0], 4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void Backward_follows_the_straight_through_rule_with_the_clip_bounds_included(int levels)
    {
        const float lambda = 1.5f;
        var rng = new Random(levels + 40);
        var x = new Tensor(2, 1, 6, 7);
        for (int i = 0; i < x.Length; i++) x.Data[i] = (float)(-0.5 + 2.5 * rng.NextDouble());
        x.Data[0] = 0f;          // the lower bound: inside (torch.clamp passes the gradient at its bounds)
        x.Data[1] = lambda;      // the upper bound: inside
        x.Data[2] = -1e-6f;      // just below: outside although its level is 0
        x.Data[3] = lambda * 1.01f;   // just above: outside although its level is L
        QcfsLayer layer = Layer(levels, [lambda]);
        layer.Forward(x, ForwardContext.Eval);
        Tensor dy = GradientCheck.RandomTensor(new Random(3), x.Shape);
        layer.ZeroGrad();
        Tensor dx = layer.Backward(dy);
        double dLambda = 0;
        int inside = 0;
        for (int i = 0; i < x.Length; i++)
        {
            var (dz, dl) = StraightThrough(x.Data[i], lambda, levels);
            Assert.Equal(dz * dy.Data[i], dx.Data[i]);
            dLambda += dl * dy.Data[i];
            if (dz == 1) inside++;
        }
        Assert.Equal(1f, (float)StraightThrough(0, lambda, levels).Dz);
        Assert.Equal(dy.Data[0], dx.Data[0]);
        Assert.Equal(dy.Data[1], dx.Data[1]);
        Assert.Equal(0f, dx.Data[2]);
        Assert.Equal(0f, dx.Data[3]);
        Assert.InRange(inside, 20, x.Length - 10);
        Assert.True(Math.Abs(layer.Threshold.Grad.Data[0] - dLambda) <= 1e-5 * Math.Max(1, Math.Abs(dLambda)),
            $"dL/dlambda {layer.Threshold.Grad.Data[0]} against {dLambda}");
    }

    [Theory]
    [InlineData(new[] { 3, 4, 2, 3 })]
    [InlineData(new[] { 5, 4 })]
    public void Per_channel_thresholds_accumulate_their_own_channel(int[] shape)
    {
        const int levels = 4;
        int n = shape[0], c = shape[1], plane = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        float[] lambda = [0.5f, 1f, 2f, 3f];
        QcfsLayer layer = Layer(levels, lambda);
        var rng = new Random(11);
        Tensor x = GradientCheck.RandomTensor(rng, shape, -1, 4);
        Tensor dy = GradientCheck.RandomTensor(rng, shape);
        Tensor y = layer.Forward(x, ForwardContext.Eval);
        layer.ZeroGrad();
        layer.Threshold.Grad.Data[2] = 0.25f;   // gradients accumulate, as every layer's
        Tensor dx = layer.Backward(dy);
        var expected = new double[c];
        expected[2] = 0.25;
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < plane; p++)
                {
                    int e = (i * c + ch) * plane + p;
                    Assert.True(Math.Abs(y.Data[e] - Reference(x.Data[e], lambda[ch], levels)) <= 1e-6 * lambda[ch] ||
                        NearBoundary(x.Data[e], lambda[ch], levels), $"forward [{e}]");
                    var (dz, dl) = StraightThrough(x.Data[e], lambda[ch], levels);
                    Assert.Equal((float)(dz * dy.Data[e]), dx.Data[e]);
                    expected[ch] += dl * dy.Data[e];
                }
        for (int ch = 0; ch < c; ch++)
            Assert.True(Math.Abs(layer.Threshold.Grad.Data[ch] - expected[ch]) <= 1e-5 * Math.Max(1, Math.Abs(expected[ch])),
                $"channel {ch}: {layer.Threshold.Grad.Data[ch]} against {expected[ch]}");
        // A per-layer threshold gets the sum over all channels.
        QcfsLayer single = Layer(levels, [2f]);
        single.Forward(x, ForwardContext.Eval);
        single.ZeroGrad();
        single.Backward(dy);
        double total = 0;
        for (int e = 0; e < x.Length; e++) total += StraightThrough(x.Data[e], 2, levels).DLambda * dy.Data[e];
        Assert.True(Math.Abs(single.Threshold.Grad.Data[0] - total) <= 1e-5 * Math.Max(1, Math.Abs(total)));
    }

    private static bool NearBoundary(float z, float lambda, int levels)
    {
        double u = z * levels / (double)lambda + 0.5;
        return Math.Abs(u - Math.Round(u)) < 1e-5;
    }

    [Fact]
    public async Task Results_do_not_depend_on_how_the_rows_are_split_over_threads()
    {
        // 8 x 37 rows: the 16 chunks are uneven. An exclusive scheduler runs every chunk on one thread.
        var rng = new Random(5);
        Tensor x = GradientCheck.RandomTensor(rng, [8, 37, 3, 3], -1, 3);
        Tensor dy = GradientCheck.RandomTensor(rng, x.Shape);
        float[] lambda = Enumerable.Range(0, 37).Select(c => 0.5f + 0.05f * c).ToArray();
        (float[] Y, float[] Dx, float[] DLambda) Run(int thresholds)
        {
            QcfsLayer layer = Layer(4, thresholds == 1 ? [1.7f] : lambda);
            Tensor y = layer.Forward(x, ForwardContext.Eval);
            layer.ZeroGrad();
            Tensor dx = layer.Backward(dy);
            return ((float[])y.Data.Clone(), (float[])dx.Data.Clone(), (float[])layer.Threshold.Grad.Data.Clone());
        }
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        foreach (int thresholds in new[] { 1, 37 })
        {
            var parallel = Run(thresholds);
            var serial = await Task.Factory.StartNew(() => Run(thresholds), CancellationToken.None, TaskCreationOptions.None, exclusive);
            Assert.Equal(parallel.Y, serial.Y);
            Assert.Equal(parallel.Dx, serial.Dx);
            Assert.Equal(parallel.DLambda, serial.DLambda);
            // The same bits as one loop over the rows in order, each row's sum in double.
            var reference = new float[thresholds];
            var scratch = new float[9];
            for (int row = 0; row < 8 * 37; row++)
            {
                int t = thresholds == 1 ? 0 : row % 37;
                float l = thresholds == 1 ? 1.7f : lambda[t];
                reference[t] += (float)QcfsLayer.Backward(x.Data.AsSpan(row * 9, 9), dy.Data.AsSpan(row * 9, 9), l, 4, scratch);
            }
            Assert.Equal(reference, parallel.DLambda);
        }
    }

    [Fact]
    public void Shape_and_setting_errors_name_the_layer()
    {
        QcfsLayer perChannel = Layer(4, [1f, 2f, 3f]);
        var wrongChannels = Assert.Throws<ArgumentException>(() => perChannel.Forward(new Tensor(2, 4, 3, 3), ForwardContext.Eval));
        Assert.Contains("qcfs L=4 per-channel 3", wrongChannels.Message);
        Assert.Contains("4 channels", wrongChannels.Message);
        Assert.Throws<ArgumentException>(() => perChannel.Forward(new Tensor(6), ForwardContext.Eval));
        Assert.Throws<InvalidOperationException>(() => Layer(4, [1f]).Backward(new Tensor(2, 3)));
        Assert.Equal([3, 5, 5], new QcfsSpec(4, 3).OutputShape([3, 5, 5]));
        Assert.Equal([7], new QcfsSpec(4).OutputShape([7]));
        Assert.Contains("3 channels", Assert.Throws<ArgumentException>(() => new QcfsSpec(4, 3).OutputShape([4, 5, 5])).Message);
        Assert.Contains("levels", Assert.Throws<ArgumentException>(() => new QcfsSpec(0).Build(new Random(0))).Message);
        Assert.Contains("thresholds", Assert.Throws<ArgumentException>(() => new QcfsSpec(4, 0).Build(new Random(0))).Message);
        Assert.Contains("initial threshold", Assert.Throws<ArgumentException>(() => new QcfsSpec(4, 1, float.NaN).Build(new Random(0))).Message);
        Assert.Equal(3, new QcfsSpec(4, 3).ParameterCount);
    }

    [Fact]
    public void Thresholds_driven_to_zero_or_below_are_held_at_the_minimum_and_others_untouched()
    {
        var layer = (QcfsLayer)new QcfsSpec(4, 5).Build(new Random(0));
        float[] lambda = layer.Threshold.Value.Data;
        float[] before = [-1.1295105e-6f, 0f, 5e-4f, 2.5f, float.NaN];
        before.CopyTo(lambda, 0);
        layer.KeepThresholdsPositive();
        Assert.Equal([QcfsLayer.MinThreshold, QcfsLayer.MinThreshold, QcfsLayer.MinThreshold, 2.5f, QcfsLayer.MinThreshold], lambda);
        // Then the activation keeps its sign: a positive input gives a non-negative output, at most the threshold.
        var input = new Tensor([1f, 1f, 1f, 1f, 1f], 1, 5);
        float[] output = layer.Forward(input, ForwardContext.Eval).Data;
        Assert.All(output.Zip(lambda), p => Assert.InRange(p.First, 0f, p.Second));
    }
}
