using Xunit;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Tests.Snn;

/// <summary>The event-driven kernels against a double-precision convolution, and the multi-step runner's invariances.</summary>
public class SynapseEngineTests
{
    // Naive double-precision convolution: y[co, oy, ox] = b[co] + sum_{c, ky, kx} w[co, c, ky, kx] x[c, oy*s - p + ky, ox*s - p + kx].
    private static double[] ReferenceConv(float[] x, int c, int h, int w, float[] weight, float[]? bias, int cout, int k, int stride, int pad)
    {
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
        var y = new double[cout * ho * wo];
        for (int co = 0; co < cout; co++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    double sum = bias?[co] ?? 0;
                    for (int ci = 0; ci < c; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    sum += (double)weight[((co * c + ci) * k + ky) * k + kx] * x[(ci * h + iy) * w + ix];
                            }
                    y[(co * ho + oy) * wo + ox] = sum;
                }
        return y;
    }

    // Sparse maps like the ones the kernels see: binary spikes, or pooled spikes (multiples of 1/4).
    private static float[] SparseMap(Random rng, int size, double density, bool pooled) =>
        Enumerable.Range(0, size).Select(_ => rng.NextDouble() < density ? (pooled ? rng.Next(1, 5) / 4f : 1f) : 0f).ToArray();

    [Theory]
    [InlineData(3, 7, 7, 5, 3, 1, 1, 0.2, false, true)]
    [InlineData(2, 8, 6, 16, 3, 2, 1, 0.5, true, true)]
    [InlineData(4, 9, 9, 9, 5, 1, 0, 0.1, true, false)]
    [InlineData(1, 6, 6, 8, 1, 1, 0, 0.3, false, false)]
    [InlineData(3, 10, 10, 33, 3, 2, 2, 0.05, true, true)]
    [InlineData(2, 5, 5, 4, 3, 1, 1, 0.0, false, true)]
    [InlineData(2, 5, 5, 4, 3, 1, 1, 1.0, false, true)]
    public void Event_driven_conv_matches_a_double_precision_convolution(int c, int h, int w, int cout, int k, int stride, int pad, double density,
        bool pooled, bool withBias)
    {
        var rng = new Random(c * 100 + cout);
        float[] weight = Enumerable.Range(0, cout * c * k * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[]? bias = withBias ? Enumerable.Range(0, cout).Select(_ => (float)rng.NextDouble()).ToArray() : null;
        var conv = new SnnConv2d(c, cout, k, stride, pad) { Weight = weight, Bias = bias, Spiking = true };
        var kernel = new EventDrivenConv2d(weight, bias, conv.Spec.Geometry([c, h, w]));
        float[] x = SparseMap(rng, c * h * w, density, pooled);
        double[] expected = ReferenceConv(x, c, h, w, weight, bias, cout, k, stride, pad);
        var y = new float[expected.Length];
        int events = kernel.Forward(x, y, new float[kernel.ScratchSize]);

        Assert.Equal(x.Count(v => v != 0), events);
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"output {i}: {y[i]} vs {expected[i]}");
        // And the dense GEMM path computes the same current up to rounding.
        var dense = new float[y.Length];
        Conv2dKernel.Forward(x, 1, conv.Spec.Geometry([c, h, w]), weight, bias, null, dense, new ChunkBuffers());
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - dense[i]) <= 1e-5 * (1 + Math.Abs(expected[i])));
    }

    [Theory]
    [InlineData(12, 12, 12, 64, 5, 0, 0.17, true, false)]    // mnist-seed's second conv: 64-channel register blocks
    [InlineData(3, 9, 7, 40, 3, 1, 0.3, true, true)]        // 40 outputs: 16- and 8-wide blocks; rows shorter than a vector
    [InlineData(2, 6, 6, 8, 3, 1, 0.5, false, true)]        // 8 outputs: 256-bit blocks only
    [InlineData(64, 5, 5, 16, 3, 1, 0.4, false, false)]     // 64 input channels: the whole mask
    [InlineData(5, 11, 10, 24, 1, 0, 0.2, true, true)]      // 1x1 kernel
    [InlineData(4, 8, 9, 32, 5, 2, 0.0, false, true)]       // no events: the bias alone
    [InlineData(4, 8, 9, 32, 5, 2, 1.0, false, false)]      // every input spikes
    public void Channel_grouped_conv_matches_a_double_precision_convolution(int c, int h, int w, int cout, int k, int pad, double density,
        bool pooled, bool withBias)
    {
        var rng = new Random(c * 31 + cout + k);
        float[] weight = Enumerable.Range(0, cout * c * k * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[]? bias = withBias ? Enumerable.Range(0, cout).Select(_ => (float)rng.NextDouble()).ToArray() : null;
        var conv = new SnnConv2d(c, cout, k, 1, pad) { Weight = weight, Bias = bias, Spiking = true };
        Assert.True(ChannelGroupedEventConv2d.Supports(conv.Spec.Geometry([c, h, w])));
        var kernel = new ChannelGroupedEventConv2d(weight, bias, conv.Spec.Geometry([c, h, w]));
        var scratch = new float[kernel.ScratchSize];
        scratch.AsSpan().Fill(float.NaN);   // nothing may depend on what the scratch held before
        float[] x = SparseMap(rng, c * h * w, density, pooled);
        double[] expected = ReferenceConv(x, c, h, w, weight, bias, cout, k, 1, pad);
        var y = new float[expected.Length];
        Assert.Equal(x.Count(v => v != 0), kernel.Forward(x, y, scratch));
        for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"output {i}: {y[i]} vs {expected[i]}");
        // A second image through the same scratch gives what a fresh scratch gives.
        float[] x2 = SparseMap(rng, c * h * w, 0.3, pooled);
        var again = new float[y.Length];
        var fresh = new float[y.Length];
        kernel.Forward(x2, again, scratch);
        kernel.Forward(x2, fresh, new float[kernel.ScratchSize]);
        Assert.Equal(fresh, again);
    }

    [Theory]
    [InlineData(12, 12, 12, 64, 5, 0, 0.17, true)]     // mnist-seed's second conv: pairs of outputs, 64 channels in registers
    [InlineData(6, 7, 9, 136, 3, 1, 0.4, true)]        // 128 + 8 channels; odd output rows end with one output alone
    [InlineData(3, 5, 5, 24, 3, 2, 0.5, false)]        // 16 + 8 channels only; a pad wider than the window's reach
    [InlineData(64, 4, 4, 64, 3, 1, 0.9, true)]        // 64 input channels, almost all active
    public void Channel_grouped_conv_adds_in_its_documented_order(int c, int h, int w, int cout, int k, int pad, double density, bool withBias)
    {
        var rng = new Random(c + cout * 7 + h);
        float[] weight = Enumerable.Range(0, cout * c * k * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[]? bias = withBias ? Enumerable.Range(0, cout).Select(_ => (float)rng.NextDouble()).ToArray() : null;
        var kernel = new ChannelGroupedEventConv2d(weight, bias, new SnnConv2d(c, cout, k, 1, pad) { Weight = weight, Spiking = true }.Spec.Geometry([c, h, w]));
        float[] x = SparseMap(rng, c * h * w, density, pooled: true);
        int ho = h + 2 * pad - k + 1, wo = w + 2 * pad - k + 1;
        var y = new float[cout * ho * wo];
        kernel.Forward(x, y, new float[kernel.ScratchSize]);
        // The documented order in plain float arithmetic: per output, input positions in scan order; per position,
        // its non-zero channels summed first (ascending), then added; the bias last.
        for (int co = 0; co < cout; co++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    float acc = 0f;
                    for (int iy = Math.Max(0, oy - pad); iy <= Math.Min(h - 1, oy - pad + k - 1); iy++)
                        for (int ix = Math.Max(0, ox - pad); ix <= Math.Min(w - 1, ox - pad + k - 1); ix++)
                        {
                            float group = 0f;
                            for (int ci = 0; ci < c; ci++)
                            {
                                float a = x[(ci * h + iy) * w + ix];
                                if (a != 0f) group += a * weight[((co * c + ci) * k + iy - oy + pad) * k + ix - ox + pad];
                            }
                            acc += group;
                        }
                    if (bias is not null) acc += bias[co];
                    Assert.Equal(acc, y[(co * ho + oy) * wo + ox]);
                }
    }

    [Theory]
    [InlineData(12, 64, 1, true)]
    [InlineData(1, 64, 1, false)]     // one input channel: nothing to group
    [InlineData(65, 64, 1, false)]    // more channels than mask bits
    [InlineData(12, 12, 1, false)]    // outputs not a multiple of 8
    [InlineData(12, 64, 2, false)]    // stride 2
    public void Channel_grouped_conv_says_which_layers_it_supports(int c, int cout, int stride, bool supported)
    {
        var conv = new SnnConv2d(c, cout, 3, stride, 1) { Weight = new float[cout * c * 9], Spiking = true };
        Conv2dGeometry geometry = conv.Spec.Geometry([c, 8, 8]);
        Assert.Equal(supported, ChannelGroupedEventConv2d.Supports(geometry));
        Assert.Equal(supported ? typeof(ChannelGroupedEventConv2d) : typeof(EventDrivenConv2d), EventSynapses.For(conv, [c, 8, 8])!.GetType());
        if (!supported) Assert.Throws<ArgumentException>(() => new ChannelGroupedEventConv2d(conv.Weight, null, geometry));
    }

    [Theory]
    [InlineData(50, 7, 0.1, true)]
    [InlineData(64, 256, 0.4, false)]
    [InlineData(3, 1, 1.0, true)]
    public void Event_driven_linear_matches_a_double_precision_product(int fin, int fout, double density, bool pooled)
    {
        var rng = new Random(fin + fout);
        float[] weight = Enumerable.Range(0, fin * fout).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] bias = Enumerable.Range(0, fout).Select(_ => (float)rng.NextDouble()).ToArray();
        var kernel = new EventDrivenLinear(weight, bias, fin, fout);
        float[] x = SparseMap(rng, fin, density, pooled);
        var y = new float[fout];
        Assert.Equal(x.Count(v => v != 0), kernel.Forward(x, y, new float[kernel.ScratchSize]));
        for (int o = 0; o < fout; o++)
        {
            double expected = bias[o] + Enumerable.Range(0, fin).Sum(i => (double)weight[o * fin + i] * x[i]);
            Assert.True(Math.Abs(y[o] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"output {o}: {y[o]} vs {expected}");
        }
    }

    private static (SpikingNetwork Net, ImageDataset Data) Rough()
    {
        var rng = new Random(5);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.4) * scale)).ToArray();
        var net = TestNets.Network([2, 10, 10], 3,
            new SnnConv2d(2, 6, 3, 1, 1) { Weight = R(108, 0.8), Bias = R(6, 0.2), Thresholds = [0.9f, 0.7f, 1.1f, 0.6f, 0.8f, 1f], Spiking = true },
            new SnnAvgPool2d(2, 2),
            new SnnConv2d(6, 8, 3, 1, 0) { Weight = R(432, 0.5), Thresholds = [0.8f], Spiking = true },
            new SnnFlatten(),
            new SnnLinear(72, 3) { Weight = R(216, 0.6), Spiking = false });
        return (net, TestNets.Grey(9, 2, 10, 10, 3, seed: 8));
    }

    // Its second convolution (16 -> 16 channels, 3x3, stride 1) takes the dense engine's Winograd path.
    private static (SpikingNetwork Net, ImageDataset Data) RoughWinograd()
    {
        var rng = new Random(6);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.4) * scale)).ToArray();
        var conv = new SnnConv2d(16, 16, 3, 1, 1) { Weight = R(16 * 16 * 9, 0.4), Bias = R(16, 0.1), Thresholds = [0.6f], Spiking = true };
        Assert.True(SnnConvert.Kernels.WinogradConv3x3.Supports(conv.Spec.Kernel, conv.Spec.Stride, conv.Spec.Padding, conv.Spec.OutChannels, 16));
        var net = TestNets.Network([2, 12, 12], 3,
            new SnnConv2d(2, 16, 3, 1, 1) { Weight = R(2 * 16 * 9, 0.8), Thresholds = [0.7f], Spiking = true },
            new SnnAvgPool2d(2, 2),
            conv,
            new SnnAvgPool2d(2, 2),
            new SnnFlatten(),
            new SnnLinear(144, 3) { Weight = R(432, 0.6), Spiking = false });
        return (net, TestNets.Grey(9, 2, 12, 12, 3, seed: 9));
    }

    [Theory]
    [InlineData(InputEncoding.Direct, SynapseEngine.Auto)]
    [InlineData(InputEncoding.Rate, SynapseEngine.EventDriven)]
    [InlineData(InputEncoding.Direct, SynapseEngine.Dense)]
    public void Running_in_blocks_of_any_size_gives_the_same_steps(InputEncoding encoding, SynapseEngine engine)
    {
        var (net, data) = Rough();
        const int steps = 13;
        (int[] Predictions, long[] Spikes) Run(int block)
        {
            var runner = new SnnBlockRunner(net, data.Count, block, encoding, net.Readout, engine);
            runner.Start(data, 0, data.Count, seed: 3);
            var predictions = new List<int>();
            var spikes = new List<long>();
            for (int t = 0; t < steps; t += block)
            {
                runner.Run(Math.Min(block, steps - t));
                for (int dt = 0; dt < runner.Steps; dt++)
                {
                    for (int i = 0; i < data.Count; i++) predictions.Add(runner.Prediction(dt, i));
                    spikes.Add(runner.Spikes(0)[dt] * 1000 + runner.Spikes(2)[dt]);
                }
            }
            Assert.Equal(steps, runner.Time);
            return (predictions.ToArray(), spikes.ToArray());
        }
        var one = Run(1);
        Assert.True(one.Spikes.Sum() > 0);
        foreach (int block in new[] { 2, 5, 13 })
        {
            var other = Run(block);
            Assert.Equal(one.Predictions, other.Predictions);
            Assert.Equal(one.Spikes, other.Spikes);
        }
    }

    [Fact]
    public void Auto_uses_the_event_driven_kernel_for_sparse_inputs_and_the_dense_one_for_dense_inputs()
    {
        var (net, data) = Rough();
        // Sparse spikes: tiny input currents through high thresholds, so conv 2's input is mostly zeros.
        var quiet = net.WithLayer(0, ((SynapticLayer)net.Layers[0]) with { Thresholds = [50f] });
        var runner = new SnnBlockRunner(quiet, data.Count, 4, InputEncoding.Direct, quiet.Readout, SynapseEngine.Auto);
        runner.Start(data, 0, data.Count, seed: 1);
        runner.Run(4);
        Assert.Equal(4 * data.Count, runner.EventImages[2]);
        Assert.Equal(0, runner.DenseImages[2]);
        Assert.Equal(data.Count, runner.DenseImages[0]);   // the analog first layer: dense, once per batch under direct input

        // Every neuron fires at every step with threshold ~0: conv 2's input is dense.
        var loud = net.WithLayer(0, ((SynapticLayer)net.Layers[0]) with { Thresholds = [1e-6f], Bias = [9f, 9f, 9f, 9f, 9f, 9f] });
        runner = new SnnBlockRunner(loud, data.Count, 4, InputEncoding.Direct, loud.Readout, SynapseEngine.Auto);
        runner.Start(data, 0, data.Count, seed: 1);
        runner.Run(4);
        Assert.Equal(0, runner.EventImages[2]);
        Assert.Equal(4 * data.Count, runner.DenseImages[2]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Dense_and_event_driven_simulations_agree_on_a_rough_network(bool winograd)
    {
        var (net, data) = winograd ? RoughWinograd() : Rough();
        SimulationResult Run(SynapseEngine engine) => SnnSimulator.Run(net, data, new SimulationOptions(40, Engine: engine));
        SimulationResult dense = Run(SynapseEngine.Dense), events = Run(SynapseEngine.EventDriven);
        Assert.True(dense.Layers.All(l => l.SpikesAtStep.Sum() > 0));
        Assert.Equal(dense.CorrectAtStep, events.CorrectAtStep);
        for (int l = 0; l < dense.Layers.Count; l++) Assert.Equal(dense.Layers[l].SpikesAtStep, events.Layers[l].SpikesAtStep);
    }
}
