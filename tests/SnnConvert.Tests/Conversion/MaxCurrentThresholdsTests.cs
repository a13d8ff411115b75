using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public class MaxCurrentThresholdsTests
{
    // ---- A network small enough to calibrate by hand ------------------------------------------------------------
    // Input 1x1x2, images A = (1, 0), B = (0, 1), C = (0, 0).
    // Stage 0: conv 1->3 1x1, weights (1/2, 1/4, -1/2), biases (1/4, -1/8, -1/8). Currents per channel (position 0, 1):
    //   channel 0: A (3/4, 1/4), B (1/4, 3/4), C (1/4, 1/4)        -> theta = 3/4
    //   channel 1: A (1/8, -1/8), B (-1/8, 1/8), C (-1/8, -1/8)    -> theta = 1/8
    //   channel 2: A (-5/8, -1/8), B (-1/8, -5/8), C (-1/8, -1/8)  -> never positive: dead, gets the largest live 3/4
    // Spikes (soft reset, v(0) = 0): current = theta fires every step; 1/4 against 3/4 fires at t = 3, 6, ... (f(t) below);
    // negative currents never fire. Stage 1 flattens (c, position) to 6 features:
    //   A: (1, f, 1, 0, 0, 0)   B: (f, 1, 0, 1, 0, 0)   C: (f, f, 0, 0, 0, 0)
    // Stage 2: dense 6->2 (hidden, one threshold), rows (1/4, 1, 0, 0, 4, 4) and (0, 0, 1/2, -1/2, 0, 0), biases (0, 1/4):
    //   unit 0: A 1/4 + f, B 1 + f/4, C 5f/4;   unit 1: A 3/4, B -1/4, C 1/4   (a dead channel that fired would add 4)
    //   T_calib = 2 (f = 0 throughout): max = 1;   T_calib >= 3 (f(3) = 1): max = 5/4.
    // Stage 3: dense 2->2 output (not calibrated under membrane readout).
    internal static SpikingNetwork HandTemplate() => TestNets.Network([1, 1, 2], 2,
        new SnnConv2d(1, 3, 1, 1, 0) { Weight = [0.5f, 0.25f, -0.5f], Bias = [0.25f, -0.125f, -0.125f], Spiking = true },
        new SnnFlatten(),
        new SnnLinear(6, 2) { Weight = [0.25f, 1f, 0f, 0f, 4f, 4f, 0f, 0f, 0.5f, -0.5f, 0f, 0f], Bias = [0f, 0.25f], Spiking = true },
        new SnnLinear(2, 2) { Weight = [1f, 0f, 0f, 1f], Spiking = false });

    internal static ImageDataset HandData() => TestNets.Dataset(1, 1, 2, 2, [[255, 0], [0, 255], [0, 0]], [0, 1, 0]);

    private static SpikingNetwork Balance(SpikingNetwork template, ImageDataset data, int steps, IThresholdMethod method, int batch = 100) =>
        method.Balance(template, new CalibrationSettings(data, steps, Seed: 1, BatchSize: batch));

    [Theory]
    [InlineData(2, 1.0f)]
    [InlineData(3, 1.25f)]
    [InlineData(4, 1.25f)]
    public void Hand_network_channel_thresholds_and_the_hidden_layer_threshold(int calibrationSteps, float hidden)
    {
        SpikingNetwork net = Balance(HandTemplate(), HandData(), calibrationSteps, MaxCurrentThresholds.AsWritten);
        Assert.Equal([0.75f, 0.125f, 0.75f], ((SynapticLayer)net.Layers[0]).Thresholds);
        Assert.Equal([hidden], ((SynapticLayer)net.Layers[2]).Thresholds);
        Assert.Empty(((SynapticLayer)net.Layers[3]).Thresholds);   // membrane readout: the output needs none
        // Weights are not touched by the seed method (no input rescaling by default).
        var template = HandTemplate();
        for (int s = 0; s < 4; s++)
            if (template.Layers[s] is SynapticLayer t) Assert.Equal(t.Weight, ((SynapticLayer)net.Layers[s]).Weight);

        ConversionRecord record = net.Conversion;
        Assert.Equal("max-current", record.Method);
        Assert.Equal("channel", record.Granularity);
        Assert.Equal("direct", record.CalibrationEncoding);
        Assert.Equal(3, record.CalibrationSamples);
        Assert.Equal(calibrationSteps, record.CalibrationSteps);
        IReadOnlyList<LayerCalibration> layers = record.LayerRecords;
        Assert.Equal(2, layers.Count);
        Assert.Equal(0, layers[0].Stage);
        Assert.Equal(1, layers[0].DeadChannels);
        Assert.Equal(0.125, layers[0].Min);
        Assert.Equal(0.75, layers[0].Max);
        Assert.Equal(2, layers[1].Stage);
        Assert.Equal(0, layers[1].DeadChannels);
        Assert.Equal(calibrationSteps, layers[1].CalibrationSteps);
    }

    [Fact]
    public void Hand_network_layer_granularity_takes_the_maximum_over_channels()
    {
        // One threshold 3/4 for the conv layer: channel 1's current 1/8 now fires only at t = 6, so within 3 steps unit 1
        // sees 1/4 everywhere; unit 0 is as before (5/4 at t = 3).
        SpikingNetwork net = Balance(HandTemplate(), HandData(), 3, new MaxCurrentThresholds(ThresholdGranularity.Layer, RescaleInputs: false));
        Assert.Equal([0.75f], ((SynapticLayer)net.Layers[0]).Thresholds);
        Assert.Equal([1.25f], ((SynapticLayer)net.Layers[2]).Thresholds);
        Assert.Equal(0, net.Conversion.LayerRecords[0].DeadChannels);
        Assert.Equal("layer", net.Conversion.Granularity);
    }

    [Fact]
    public void Hand_network_percentile_of_the_positive_currents()
    {
        // Median (p = 50) of the positive currents of channel 0: (3/4, 1/4, 1/4, 3/4, 1/4, 1/4) sorted -> the 3rd of 6 = 1/4;
        // channel 1: (1/8, 1/8) -> 1/8; channel 2 has none -> dead -> the largest live threshold. The histogram is
        // accurate to one bin (1.1 %).
        SpikingNetwork net = Balance(HandTemplate(), HandData(), 3, new MaxCurrentThresholds(Percentile: 50, RescaleInputs: false));
        float[] t = ((SynapticLayer)net.Layers[0]).Thresholds;
        Assert.Equal(0.25, t[0], 0.25 * 0.011);
        Assert.Equal(0.125, t[1], 0.125 * 0.011);
        Assert.Equal(t[0], t[2]);
        Assert.Equal(50.0, net.Conversion.Percentile);
    }

    public static TheoryData<ThresholdGranularity, bool, int, ResetMode, InitialMembrane> GenericCases() => new()
    {
        { ThresholdGranularity.Channel, false, 100, ResetMode.Soft, InitialMembrane.Zero },
        { ThresholdGranularity.Layer, false, 100, ResetMode.Soft, InitialMembrane.Zero },
        { ThresholdGranularity.Channel, true, 100, ResetMode.Soft, InitialMembrane.Zero },
        { ThresholdGranularity.Channel, false, 3, ResetMode.Soft, InitialMembrane.Zero },   // batches of 3: calibration must not depend on batching
        // Calibration runs the earlier layers with the network's own neuron model.
        { ThresholdGranularity.Channel, false, 100, ResetMode.Soft, InitialMembrane.HalfThreshold },
        { ThresholdGranularity.Channel, false, 100, ResetMode.Hard, InitialMembrane.Zero },
    };

    [Theory]
    [MemberData(nameof(GenericCases))]
    public void Conv_network_matches_the_reference_calibration_exactly(ThresholdGranularity granularity, bool rescale, int batch, ResetMode reset,
        InitialMembrane initial)
    {
        // Dyadic weights and 0/1 pixels: every current, membrane and maximum is exact in float32, so the library's
        // thresholds and (rescaled) weights must equal the reference's bit for bit.
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 7) with { Neuron = new NeuronModel(reset, initial) };
        ImageDataset data = TestNets.Binary(10, 1, 6, 6, 3, seed: 8);
        const int steps = 8;
        SpikingNetwork actual = Balance(template, data, steps, new MaxCurrentThresholds(granularity, 100, rescale), batch);
        var (expected, dead) = ReferenceCalibration.Sequential(template, data, steps, granularity == ThresholdGranularity.Channel,
            InputEncoding.Direct, seed: 1, rescale);

        for (int s = 0; s < template.Layers.Count; s++)
        {
            if (template.Layers[s] is not SynapticLayer) continue;
            var a = (SynapticLayer)actual.Layers[s];
            var e = (SynapticLayer)expected.Layers[s];
            Assert.Equal(e.Thresholds, a.Thresholds);
            Assert.Equal(e.Weight, a.Weight);
            Assert.Equal(e.Bias, a.Bias);
        }
        // Channel-wise: each conv layer has one threshold per channel; dense hidden layers have one.
        int[] counts = granularity == ThresholdGranularity.Channel ? [3, 4, 1] : [1, 1, 1];
        Assert.Equal(counts, new[] { 0, 2, 4 }.Select(s => ((SynapticLayer)actual.Layers[s]).Thresholds.Length));
        Assert.Equal(dead.Values, actual.Conversion.LayerRecords.Select(l => l.DeadChannels));
        if (reset != ResetMode.Soft || initial != InitialMembrane.Zero)
        {
            // Not vacuous: the neuron model changes what the later layers see.
            var (defaults, _) = ReferenceCalibration.Sequential(template with { Neuron = new NeuronModel() }, data, steps, true, InputEncoding.Direct, 1, rescale);
            Assert.Contains(new[] { 2, 4 }, s => !((SynapticLayer)defaults.Layers[s]).Thresholds.SequenceEqual(((SynapticLayer)actual.Layers[s]).Thresholds));
        }
    }

    [Fact]
    public void Conv_network_percentile_matches_an_independent_percentile_layer_by_layer()
    {
        // 90th percentile of the positive currents per channel. Layer 1 sees the constant image current; later layers are
        // checked given the library's thresholds of the layers before them (which the first check covers).
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 7);
        ImageDataset data = TestNets.Binary(10, 1, 6, 6, 3, seed: 8);
        const int steps = 8;
        SpikingNetwork actual = Balance(template, data, steps, new MaxCurrentThresholds(Percentile: 90, RescaleInputs: false));
        foreach (int s in new[] { 0, 2, 4 })
        {
            var groups = ReferenceCalibration.Currents(actual, data, s, steps, channelWise: true, InputEncoding.Direct, seed: 1);
            var (expected, _) = ReferenceCalibration.Finalize(groups.Select(g => ReferenceCalibration.Percentile(g, 90)).ToArray());
            float[] thresholds = ((SynapticLayer)actual.Layers[s]).Thresholds;
            Assert.Equal(expected.Length, thresholds.Length);
            for (int g = 0; g < expected.Length; g++)
                Assert.True(Math.Abs(thresholds[g] - expected[g]) <= 0.011 * expected[g],
                    $"stage {s} group {g}: percentile {expected[g]}, library {thresholds[g]}");
            // And the percentile is below the maximum somewhere, so this is not the maximum test again.
            if (s == 0) Assert.Contains(groups, g => ReferenceCalibration.Percentile(g, 90) < 0.98 * g.Max());
        }
    }

    [Fact]
    public void Spike_count_readout_also_calibrates_the_output_layer()
    {
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 7) with { Readout = Readout.SpikeCount };
        ImageDataset data = TestNets.Binary(6, 1, 6, 6, 3, seed: 8);
        SpikingNetwork actual = Balance(template, data, 6, MaxCurrentThresholds.AsWritten);
        var (expected, _) = ReferenceCalibration.Sequential(template, data, 6, true, InputEncoding.Direct, seed: 1);
        Assert.Equal(((SynapticLayer)expected.Layers[5]).Thresholds, ((SynapticLayer)actual.Layers[5]).Thresholds);
        Assert.Single(((SynapticLayer)actual.Layers[5]).Thresholds);
    }
}
