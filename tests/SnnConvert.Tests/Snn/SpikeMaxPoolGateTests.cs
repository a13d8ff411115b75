using SnnConvert.Kernels;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Snn;
using SnnConvert.Tests.Conversion;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Snn;

/// <summary>The spiking max-pool gate: its closed form, the simulator against the reference, calibration and the file.</summary>
public sealed class SpikeMaxPoolGateTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Regular spike trains at rate r (an IF neuron with constant current r theta, soft reset, v(0) = 0): n(t) = floor(t r),
    // a spike at t when n(t) > n(t - 1). The window's output count must be max_i floor(t r_i) at every step.
    [Theory]
    [InlineData(1, 4, 4, 2, 2)]
    [InlineData(2, 7, 7, 2, 2)]   // the last row and column belong to no window
    [InlineData(3, 7, 9, 3, 2)]   // overlapping windows
    [InlineData(1, 5, 5, 3, 1)]
    [InlineData(2, 6, 6, 2, 3)]   // gaps between windows
    public void Output_count_is_the_largest_input_count_of_the_window_at_every_step(int c, int h, int w, int k, int s)
    {
        var rng = new Random(c * 100 + h * 10 + k);
        var pool = new SnnGatedMaxPool2d(k, s);
        int[] inShape = [c, h, w], outShape = pool.OutputShape(inShape);
        int size = c * h * w, outSize = outShape.Aggregate(1, (a, b) => a * b);
        double[] rates = Enumerable.Range(0, size).Select(_ => rng.Next(0, 17) / 16.0).ToArray();
        var counts = new int[size];
        var windowMax = new int[outSize];
        var output = new float[outSize];
        var outputCounts = new int[outSize];
        var gate = new SpikeMaxPoolGate(k, s, inShape, outShape);
        for (int t = 1; t <= 48; t++)
        {
            float[] spikes = rates.Select(r => Math.Floor(t * r) > Math.Floor((t - 1) * r) ? 1f : 0f).ToArray();
            int fired = gate.Step(spikes, counts, windowMax, output);
            Assert.All(output, v => Assert.True(v is 0f or 1f));
            Assert.Equal((int)output.Sum(), fired);
            for (int o = 0; o < outSize; o++) outputCounts[o] += (int)output[o];
            double[] expected = SnnReference.MaxPool(rates.Select(r => Math.Floor(t * r)).ToArray(), inShape, k, s);
            Assert.Equal(expected.Select(e => (int)e), outputCounts);
            Assert.Equal(outputCounts, windowMax);
        }
        Assert.Contains(outputCounts, n => n > 0);
    }

    [Fact]
    public void Two_inputs_at_half_rate_in_antiphase_give_half_rate_not_their_union()
    {
        // Inputs 0 and 1 of one 2x2 window spike at alternate steps. Passing any spike (OR) would give rate 1; the gate
        // follows the most active input and gives 1/2, the largest input rate.
        var gate = EventSynapses.Gate(new SnnGatedMaxPool2d(2, 2), [1, 2, 2]);
        var counts = new int[4];
        var windowMax = new int[1];
        var output = new float[1];
        int total = 0;
        for (int t = 1; t <= 20; t++)
        {
            float[] spikes = t % 2 == 1 ? [0f, 1f, 0f, 0f] : [1f, 0f, 0f, 0f];
            total += gate.Step(spikes, counts, windowMax, output);
        }
        Assert.Equal(10, total);
    }

    /// <summary>
    /// Dyadic gate network on 1x8x8 images: conv 1->3 3x3 pad 1 +bias, gate 2x2 (-> 3x4x4), conv 3->4 3x3 pad 1 +bias,
    /// gate 3x3 stride 1 (overlapping, -> 4x2x2), flatten, linear 16->5 (hidden), linear 5->3 (output).
    /// </summary>
    public static SpikingNetwork GateTemplate(int seed)
    {
        var rng = new Random(seed);
        return TestNets.Network([1, 8, 8], 3,
            new SnnConv2d(1, 3, 3, 1, 1) { Weight = TestNets.Dyadic(rng, 27, 8), Bias = [0.25f, 0.125f, -0.0625f], Spiking = true },
            new SnnGatedMaxPool2d(2, 2),
            new SnnConv2d(3, 4, 3, 1, 1) { Weight = TestNets.Dyadic(rng, 108, 8), Bias = [0.125f, 0.25f, 0f, 0.0625f], Spiking = true },
            new SnnGatedMaxPool2d(3, 1),
            new SnnFlatten(),
            new SnnLinear(16, 5) { Weight = TestNets.Dyadic(rng, 80, 8), Bias = [0.125f, 0f, 0.25f, -0.125f, 0.0625f], Spiking = true },
            new SnnLinear(5, 3) { Weight = TestNets.Dyadic(rng, 15), Spiking = false });
    }

    private static SpikingNetwork GateNetwork(NeuronModel neuron, Readout readout) =>
        TestNets.WithThresholds(GateTemplate(seed: 3), [1f, 0.75f, 0.5f], [1f, 0.5f, 0.75f, 1f], [1f], [1f, 0.75f, 0.5f])
            with { Neuron = neuron, Readout = readout };

    public static TheoryData<ResetMode, InitialMembrane, InputEncoding, Readout, SynapseEngine> Configurations()
    {
        var data = new TheoryData<ResetMode, InitialMembrane, InputEncoding, Readout, SynapseEngine>();
        foreach (SynapseEngine engine in Enum.GetValues<SynapseEngine>())
        {
            data.Add(ResetMode.Soft, InitialMembrane.Zero, InputEncoding.Direct, Readout.Membrane, engine);
            data.Add(ResetMode.Hard, InitialMembrane.HalfThreshold, InputEncoding.Direct, Readout.SpikeCount, engine);
            data.Add(ResetMode.Soft, InitialMembrane.Zero, InputEncoding.Rate, Readout.Membrane, engine);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Gate_network_matches_the_reference_simulation_step_by_step(ResetMode reset, InitialMembrane initial, InputEncoding encoding,
        Readout readout, SynapseEngine engine)
    {
        // Dyadic weights and 0/1 pixels: exact in float32, so spikes, SynOps and predictions must equal the reference's.
        SpikingNetwork net = GateNetwork(new NeuronModel(reset, initial), readout);
        ImageDataset data = TestNets.Binary(12, 1, 8, 8, 3, seed: 5);
        const int steps = 24, seed = 11;
        SimulationResult result = SnnSimulator.Run(net, data, new SimulationOptions(steps, encoding, seed, BatchSize: 5, Engine: engine));
        SnnReference.DatasetTrace expected = SnnReference.Simulate(net, data, steps, encoding, seed);

        Assert.Equal(expected.CorrectAtStep, result.CorrectAtStep);
        Assert.Equal([0, 2, 5], result.Layers.Select(l => l.Stage));
        foreach (LayerActivity layer in result.Layers)
        {
            Assert.True(layer.SpikesAtStep.Sum() > 0, $"stage {layer.Stage} never fired: the comparison would be vacuous");
            Assert.Equal(expected.SpikesAtStep[layer.Stage], layer.SpikesAtStep);
            // Stages 0 and 2 feed gates: their SynOps are the gate outputs' (fewer than every spike's fan-out).
            Assert.Equal(expected.SynOpsAtStep[layer.Stage], layer.SynOpsAtStep);
        }
        Assert.Equal(expected.InputSynOpsAtStep, result.InputSynOpsAtStep);
    }

    [Fact]
    public void Engines_give_identical_results_on_a_gate_network_with_rough_weights()
    {
        // Non-dyadic weights and grey images: the gate itself is integer arithmetic, so the engines' currents decide.
        var rng = new Random(21);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.4) * scale)).ToArray();
        var net = TestNets.Network([1, 10, 10], 4,
            new SnnConv2d(1, 4, 3, 1, 1) { Weight = R(36, 0.8), Bias = R(4, 0.2), Thresholds = [0.9f, 0.7f, 1.1f, 0.6f], Spiking = true },
            new SnnGatedMaxPool2d(3, 2),
            new SnnConv2d(4, 6, 3, 1, 1) { Weight = R(216, 0.6), Bias = R(6, 0.1), Thresholds = [0.8f], Spiking = true },
            new SnnGatedMaxPool2d(2, 2),
            new SnnFlatten(),
            new SnnLinear(24, 4) { Weight = R(96, 1.0), Spiking = false });
        ImageDataset data = TestNets.Grey(17, 1, 10, 10, 4, seed: 22);
        SimulationResult Run(SynapseEngine engine, int batch) => SnnSimulator.Run(net, data, new SimulationOptions(32, BatchSize: batch, Engine: engine));
        SimulationResult dense = Run(SynapseEngine.Dense, 100);
        Assert.All(dense.Layers, l => Assert.True(l.SpikesAtStep.Sum() > 0));
        foreach (SimulationResult other in new[] { Run(SynapseEngine.EventDriven, 100), Run(SynapseEngine.Auto, 4), Run(SynapseEngine.Dense, 1) })
        {
            Assert.Equal(dense.CorrectAtStep, other.CorrectAtStep);
            for (int i = 0; i < dense.Layers.Count; i++)
            {
                Assert.Equal(dense.Layers[i].SpikesAtStep, other.Layers[i].SpikesAtStep);
                Assert.Equal(dense.Layers[i].SynOpsAtStep, other.Layers[i].SynOpsAtStep);
            }
        }
    }

    [Fact]
    public void Gate_state_carries_over_from_block_to_block()
    {
        // Running 24 steps one at a time equals one block of 24: counts and window maxima persist between blocks.
        SpikingNetwork net = GateNetwork(new NeuronModel(), Readout.Membrane);
        ImageDataset data = TestNets.Binary(6, 1, 8, 8, 3, seed: 9);
        var whole = new SnnBlockRunner(net, 6, 24, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto);
        var single = new SnnBlockRunner(net, 6, 1, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto);
        whole.Start(data, 0, 6, 1);
        single.Start(data, 0, 6, 1);
        whole.Run(24);
        for (int t = 0; t < 24; t++)
        {
            single.Run(1);
            for (int i = 0; i < 6; i++) Assert.Equal(whole.Prediction(t, i), single.Prediction(0, i));
            Assert.Equal(whole.Spikes(2)[t], single.Spikes(2)[0]);
            Assert.Equal(whole.SynOps(2)[t], single.SynOps(2)[0]);
        }
    }

    [Theory]
    [InlineData(ThresholdGranularity.Channel, false)]
    [InlineData(ThresholdGranularity.Layer, true)]
    public void Max_current_calibration_through_gates_matches_the_reference_exactly(ThresholdGranularity granularity, bool rescale)
    {
        SpikingNetwork template = GateTemplate(seed: 7);
        ImageDataset data = TestNets.Binary(10, 1, 8, 8, 3, seed: 8);
        const int steps = 8;
        SpikingNetwork actual = new MaxCurrentThresholds(granularity, 100, rescale).Balance(template, new CalibrationSettings(data, steps, Seed: 1, BatchSize: 4));
        var (expected, _) = ReferenceCalibration.Sequential(template, data, steps, granularity == ThresholdGranularity.Channel, InputEncoding.Direct, seed: 1, rescale);
        foreach (int s in template.SynapticIndices)
        {
            Assert.Equal(((SynapticLayer)expected.Layers[s]).Thresholds, ((SynapticLayer)actual.Layers[s]).Thresholds);
            Assert.Equal(((SynapticLayer)expected.Layers[s]).Weight, ((SynapticLayer)actual.Layers[s]).Weight);
        }
    }

    [Fact]
    public void Spike_norm_calibration_through_gates_matches_the_reference_exactly()
    {
        SpikingNetwork template = GateTemplate(seed: 7);
        ImageDataset data = TestNets.Binary(10, 1, 8, 8, 3, seed: 8);
        SpikingNetwork actual = new SpikeNormThresholds().Balance(template, new CalibrationSettings(data, 12, Seed: 3, BatchSize: 4));
        var (expected, _) = ReferenceCalibration.Sequential(template, data, 12, channelWise: false, InputEncoding.Rate, seed: 3);
        foreach (int s in template.SynapticIndices)
            Assert.Equal(((SynapticLayer)expected.Layers[s]).Thresholds, ((SynapticLayer)actual.Layers[s]).Thresholds);
    }

    [Fact]
    public void Activation_calibration_sees_the_gate_as_max_pooling()
    {
        SpikingNetwork template = GateTemplate(seed: 7);
        ImageDataset data = TestNets.Binary(10, 1, 8, 8, 3, seed: 8);
        SpikingNetwork actual = new MaxActivationThresholds().Balance(template, new CalibrationSettings(data, 8, Seed: 1));
        var (expected, _) = ReferenceCalibration.Activation(template, data, channelWise: false, percentile: 100);
        foreach (int s in template.SynapticIndices)
            Assert.Equal(((SynapticLayer)expected.Layers[s]).Thresholds, ((SynapticLayer)actual.Layers[s]).Thresholds);
        // Not vacuous: with average pooling in place of the gates the later thresholds differ.
        SpikingNetwork averaged = template with { Layers = template.Layers.Select(l => l is SnnGatedMaxPool2d g ? new SnnAvgPool2d(g.Kernel, g.Stride) : l).ToArray() };
        SpikingNetwork other = new MaxActivationThresholds().Balance(averaged, new CalibrationSettings(data, 8, Seed: 1));
        Assert.NotEqual(((SynapticLayer)other.Layers[5]).Thresholds, ((SynapticLayer)actual.Layers[5]).Thresholds);
    }

    [Fact]
    public void Gate_network_round_trips_through_the_file()
    {
        SpikingNetwork net = GateNetwork(new NeuronModel(), Readout.Membrane);
        string path = Path.Combine(_temp.Path, "gate.snn");
        SnnFile.Save(path, net);
        SpikingNetwork loaded = SnnFile.Load(path);
        Assert.Equal(net.Layers.Where(l => l is not SynapticLayer), loaded.Layers.Where(l => l is not SynapticLayer));
        Assert.Equal(new SnnGatedMaxPool2d(3, 1), loaded.Layers[3]);
        ImageDataset data = TestNets.Binary(8, 1, 8, 8, 3, seed: 2);
        Assert.Equal(SnnSimulator.Run(net, data, new SimulationOptions(16)).CorrectAtStep, SnnSimulator.Run(loaded, data, new SimulationOptions(16)).CorrectAtStep);
    }

    [Fact]
    public void A_gate_that_does_not_follow_a_spiking_layer_is_refused()
    {
        var rng = new Random(1);
        SpikingNetwork atInput = TestNets.Network([1, 4, 4], 2,
            new SnnGatedMaxPool2d(2, 2), new SnnFlatten(), new SnnLinear(4, 2) { Weight = TestNets.Dyadic(rng, 8), Spiking = false });
        var e = Assert.Throws<ConversionException>(() => atInput.Validate("net", requireThresholds: false));
        Assert.Contains("layer 0 (gated maxpool2d 2x2) must directly follow a spiking conv or dense layer, found the input", e.Message);
        SpikingNetwork afterPool = TestNets.Network([1, 4, 4], 2,
            new SnnConv2d(1, 1, 1, 1, 0) { Weight = [1f], Spiking = true }, new SnnAvgPool2d(2, 1), new SnnGatedMaxPool2d(2, 1),
            new SnnFlatten(), new SnnLinear(4, 2) { Weight = TestNets.Dyadic(rng, 8), Spiking = false });
        Assert.Contains("found avgpool2d", Assert.Throws<ConversionException>(() => afterPool.Validate("net", false)).Message);
        SpikingNetwork zero = TestNets.Network([1, 4, 4], 2,
            new SnnConv2d(1, 1, 1, 1, 0) { Weight = [1f], Spiking = true }, new SnnGatedMaxPool2d(2, 0),
            new SnnFlatten(), new SnnLinear(4, 2) { Weight = TestNets.Dyadic(rng, 8), Spiking = false });
        Assert.Contains("must be positive", Assert.Throws<ConversionException>(() => zero.Validate("net", false)).Message);
    }
}
