using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public sealed class PostCalibrationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // The dyadic conv template balanced by max-current with rescaled inputs on grey images (so currents are not dyadic
    // and spike counts differ between images).
    internal static (SpikingNetwork Net, ImageDataset Data) Balanced(Readout readout, ResetMode reset = ResetMode.Soft, bool offTies = true)
    {
        ImageDataset data = TestNets.Grey(24, 1, 6, 6, 3, seed: 5);
        SpikingNetwork template = TestNets.DyadicConvTemplate(7) with { Readout = readout, Neuron = new NeuronModel(reset) };
        var method = new MaxCurrentThresholds(RescaleInputs: true);
        SpikingNetwork net = method.Balance(template, new CalibrationSettings(data, 8, Seed: 1, BatchSize: 10));
        if (!offTies) return (net, data);
        // Max-current thresholds equal the largest current, which then lands exactly on the threshold in float but may
        // fall just below it in double: move them off the recorded currents so that both precisions count the same spikes.
        return (TestNets.WithThresholds(net, net.SynapticIndices.Select(s => ((SynapticLayer)net.Layers[s]).Thresholds.Select(t => t * 1.0123f).ToArray()).ToArray()), data);
    }

    private static SpikingNetwork Calibrate(SpikingNetwork net, ImageDataset data, PostCalibration steps, int t, int passes = 1) =>
        PostCalibrator.Calibrate(net, steps, new CalibrationSettings(data, t, Seed: 1, BatchSize: 10), passes: passes);

    [Theory]
    [InlineData(PostCalibration.Bias, Readout.Membrane, ResetMode.Soft, 1)]
    [InlineData(PostCalibration.Membrane, Readout.Membrane, ResetMode.Soft, 1)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, Readout.Membrane, ResetMode.Soft, 1)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, Readout.SpikeCount, ResetMode.Soft, 1)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, Readout.Membrane, ResetMode.Hard, 1)]
    [InlineData(PostCalibration.Bias, Readout.Membrane, ResetMode.Soft, 3)]
    [InlineData(PostCalibration.Membrane, Readout.Membrane, ResetMode.Soft, 3)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, Readout.Membrane, ResetMode.Soft, 3)]
    public void Post_calibration_matches_a_plain_double_reimplementation(PostCalibration steps, Readout readout, ResetMode reset, int passes)
    {
        var (net, data) = Balanced(readout, reset);
        const int T = 5;
        SpikingNetwork actual = Calibrate(net, data, steps, T, passes);
        SpikingNetwork expected = ReferencePostCalibration.Calibrate(net, data, T, steps.HasFlag(PostCalibration.Bias), steps.HasFlag(PostCalibration.Membrane), passes);
        bool changed = false;
        foreach (int s in net.SynapticIndices)
        {
            var (a, e, before) = ((SynapticLayer)actual.Layers[s], (SynapticLayer)expected.Layers[s], (SynapticLayer)net.Layers[s]);
            Assert.Equal(e.Bias is null, a.Bias is null);
            if (e.Bias is not null) for (int c = 0; c < e.Bias.Length; c++) Assert.Equal(e.Bias[c], a.Bias![c], 1e-4);
            Assert.Equal(e.InitialPotential is null, a.InitialPotential is null);
            if (e.InitialPotential is not null) for (int c = 0; c < e.InitialPotential.Length; c++) Assert.Equal(e.InitialPotential[c], a.InitialPotential![c], 2e-3);
            Assert.Equal(before.Thresholds, a.Thresholds);
            Assert.Equal(before.Weight, a.Weight);
            changed |= a.Bias is not null && !a.Bias.SequenceEqual(before.Bias ?? []) || a.InitialPotential is not null;
        }
        Assert.True(changed);
        PostCalibrationRecord record = actual.Conversion.PostCalibration!;
        Assert.Equal(T, record.TargetSteps);
        Assert.Equal(data.Count, record.Images);
        Assert.Equal(passes, record.Passes);
        Assert.Equal(readout == Readout.SpikeCount || steps.HasFlag(PostCalibration.Bias) ? 4 : 3, record.Layers.Count);
        Assert.Equal(steps.HasFlag(PostCalibration.Membrane), record.Layers[0].MeanInitialPotential is not null);
        Assert.Equal(steps.HasFlag(PostCalibration.Bias), record.Layers[0].MeanBiasShift is not null);
    }

    [Theory]
    [InlineData(PostCalibration.Bias)]
    [InlineData(PostCalibration.Membrane)]
    public void More_passes_leave_a_smaller_mean_error(PostCalibration steps)
    {
        // One correction moves a layer's mean output by less than the error (neurons that stay silent or saturate do not
        // follow it); measuring again and correcting again closes more of the gap, as the reference measures it.
        var (net, data) = Balanced(Readout.Membrane);
        const int T = 5;
        Dictionary<int, double[]> targets = ReferencePostCalibration.Targets(net, data);
        double Remaining(SpikingNetwork calibrated) => net.SynapticIndices.Where(s => ((SynapticLayer)net.Layers[s]).Spiking)
            .Sum(s => ReferencePostCalibration.Error(calibrated, s, data, T, targets[s]).Average(Math.Abs));
        double before = Remaining(net), one = Remaining(Calibrate(net, data, steps, T, 1)), three = Remaining(Calibrate(net, data, steps, T, 3));
        Assert.True(one < before, $"one pass: {one} against {before} before");
        // The bias moves every neuron's current alike, so the gap shrinks about geometrically; a v(0) shift is clamped
        // to +-theta and moves spike counts in whole spikes, so it closes less of it.
        double factor = steps == PostCalibration.Bias ? 0.7 : 1.0;
        Assert.True(three < factor * one, $"three passes: {three} against {one} with one");
    }

    [Theory]
    [InlineData(PostCalibration.Membrane, 1)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, 1)]
    [InlineData(PostCalibration.Bias | PostCalibration.Membrane, 2)]
    public void Per_neuron_membrane_calibration_matches_the_double_reimplementation(PostCalibration steps, int passes)
    {
        var (net, data) = Balanced(Readout.Membrane);
        const int T = 5;
        SpikingNetwork actual = PostCalibrator.Calibrate(net, steps, new CalibrationSettings(data, T, Seed: 1, BatchSize: 10), passes: passes,
            membraneGranularity: MembraneGranularity.Neuron);
        SpikingNetwork expected = ReferencePostCalibration.Calibrate(net, data, T, steps.HasFlag(PostCalibration.Bias), true, passes, perNeuron: true);
        bool varies = false;
        foreach (int s in net.SynapticIndices.Where(s => ((SynapticLayer)net.Layers[s]).Spiking))
        {
            var (a, e) = ((SynapticLayer)actual.Layers[s], (SynapticLayer)expected.Layers[s]);
            int neurons = net.Shapes[s + 1].Aggregate(1, (x, y) => x * y);
            Assert.Equal(neurons, a.InitialPotential!.Length);
            Assert.Equal(e.InitialPotential!.Length, a.InitialPotential.Length);
            for (int n = 0; n < neurons; n++) Assert.Equal(e.InitialPotential[n], a.InitialPotential[n], 2e-3);
            if (e.Bias is not null) for (int c = 0; c < e.Bias.Length; c++) Assert.Equal(e.Bias[c], a.Bias![c], 1e-4);
            int per = neurons / a.OutputChannels;
            varies |= per > 1 && Enumerable.Range(0, a.OutputChannels).Any(c => a.InitialPotential.Skip(c * per).Take(per).Distinct().Count() > 1);
        }
        Assert.True(varies, "some channel's neurons should get different starts");
        Assert.Equal("neuron", actual.Conversion.PostCalibration!.MembraneGranularity);
    }

    [Fact]
    public void A_per_neuron_start_equal_in_every_neuron_of_a_channel_simulates_as_the_per_channel_one()
    {
        // The engine reads v(0) per neuron or per channel; the same values must give the same run, bit for bit.
        var (net, data) = Balanced(Readout.Membrane);
        SpikingNetwork perChannel = Calibrate(net, data, PostCalibration.Membrane, 5);
        SpikingNetwork perNeuron = perChannel;
        foreach (int s in perChannel.SynapticIndices)
        {
            var layer = (SynapticLayer)perChannel.Layers[s];
            if (layer.InitialPotential is not { } v0) continue;
            int per = perChannel.Shapes[s + 1].Aggregate(1, (x, y) => x * y) / layer.OutputChannels;
            perNeuron = perNeuron.WithLayer(s, layer with { InitialPotential = Enumerable.Range(0, v0.Length * per).Select(n => v0[n / per]).ToArray() });
        }
        perNeuron.Validate("per neuron", requireThresholds: true);
        foreach (var engine in new[] { SynapseEngine.Dense, SynapseEngine.EventDriven })
        {
            SimulationResult a = SnnSimulator.Run(perChannel, data, new SimulationOptions(5, Engine: engine)), b = SnnSimulator.Run(perNeuron, data, new SimulationOptions(5, Engine: engine));
            Assert.Equal(a.CorrectAtStep, b.CorrectAtStep);
            for (int i = 0; i < a.Layers.Count; i++) Assert.Equal(a.Layers[i].SpikesAtStep, b.Layers[i].SpikesAtStep);
            Assert.True(a.Layers.Sum(l => l.SpikesAtStep.Sum()) > 0);
        }
    }

    [Fact]
    public void A_start_of_neither_per_channel_nor_per_neuron_length_is_refused()
    {
        var (net, _) = Balanced(Readout.Membrane);
        int s = net.SynapticIndices[0];
        var layer = (SynapticLayer)net.Layers[s];
        var bad = net.WithLayer(s, layer with { InitialPotential = new float[layer.OutputChannels + 1] });
        var e = Assert.Throws<ConversionException>(() => bad.Validate("bad", requireThresholds: true));
        Assert.Contains("one per neuron", e.Message);
    }

    [Fact]
    public void Passes_below_one_are_refused_before_any_image_is_read()
    {
        var (net, data) = Balanced(Readout.Membrane);
        var e = Assert.Throws<InvalidSettingException>(() => Calibrate(net, data, PostCalibration.Bias, 5, 0));
        Assert.Equal(SettingNames.PostCalibrationPasses, e.Setting);
    }

    [Fact]
    public void With_rescaled_inputs_the_rate_model_is_the_CNN()
    {
        var (net, data) = Balanced(Readout.Membrane, offTies: false);
        var (images, _) = BatchLoader.LoadRange(data, 0, data.Count);
        float[] cnn = new AnalogForward(TestNets.DyadicConvTemplate(7)).Run(images.Data, data.Count);
        float[] rates = new AnalogForward(net, rates: true).Run(images.Data, data.Count);
        for (int i = 0; i < cnn.Length; i++) Assert.Equal(cnn[i], rates[i], 1e-4);
    }

    // Conv 1->1 1x1 (weight 1, threshold 1) on two pixels x = k/4 + 0.1 and a dense identity output: at T = 4 from
    // v(0) = 0 the hidden layer fires floor(4x) = k times, so the output reads each pixel about 0.1 too low on every
    // image (a constant error per class). The output's mean current is linear in its bias: bias calibration makes its
    // mean error over the calibration images exactly 0, and each image's error is what the pixels deviate from k/4 + 0.1.
    [Fact]
    public void Bias_calibration_removes_a_known_constant_error()
    {
        ImageDataset data = TestNets.Dataset(1, 1, 2, 2, [[26, 89], [89, 153], [153, 26]], [0, 1, 0]);
        SpikingNetwork net = TestNets.Network([1, 1, 2], 2,
            new SnnConv2d(1, 1, 1, 1, 0) { Weight = [1f], Thresholds = [1f], Spiking = true },
            new SnnFlatten(),
            new SnnLinear(2, 2) { Weight = [1f, 0f, 0f, 1f], Spiking = false });
        const int T = 4;
        double[][] Errors(SpikingNetwork n) => Enumerable.Range(0, data.Count).Select(i =>
        {
            double[] x = SnnReference.Image(data, i);
            var run = new SnnReference(n);
            run.Start(x);
            for (int t = 0; t < T; t++) run.Step();
            return run.Membrane(2).Select((v, k) => v / T - x[k]).ToArray();
        }).ToArray();
        foreach (double[] e in Errors(net)) Assert.All(e, v => Assert.InRange(v, -0.102, -0.098));

        SpikingNetwork calibrated = Calibrate(net, data, PostCalibration.Bias, T);
        double[][] after = Errors(calibrated);
        for (int k = 0; k < 2; k++) Assert.Equal(0, after.Average(e => e[k]), 1e-6);
        Assert.All(after, e => Assert.All(e, v => Assert.InRange(v, -0.003, 0.003)));
        Assert.Equal([1f], ((SynapticLayer)calibrated.Layers[0]).Thresholds);
    }

    // Conv 1->2 1x1 (weights 1, thresholds 1 and 1/2) on a constant input: from v(0) = theta / 2 with soft reset,
    // T steps of current x (below theta, so no clipping) give round(x T / theta) spikes instead of floor(x T / theta).
    [Fact]
    public void Half_threshold_start_turns_flooring_into_rounding_on_a_constant_input()
    {
        ImageDataset data = TestNets.Dataset(1, 1, 2, 2, [[89, 40]], [0]);
        float[] thresholds = [1f, 0.5f];
        SnnConv2d hidden = new(1, 2, 1, 1, 0) { Weight = [1f, 1f], Thresholds = thresholds, Spiking = true };
        SpikingNetwork Net(float[]? v0) => TestNets.Network([1, 1, 2], 2, hidden with { InitialPotential = v0 }, new SnnFlatten(),
            new SnnLinear(4, 2) { Weight = new float[8], Spiking = false });
        const int T = 8;
        long Spikes(SpikingNetwork n)
        {
            var runner = new SnnBlockRunner(n, 1, T, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto);
            runner.Start(data, 0, 1, 1);
            runner.Run(T);
            long total = 0;
            foreach (long s in runner.Spikes(0)) total += s;
            return total;
        }
        double[] x = SnnReference.Image(data, 0);
        long rounded = 0, floored = 0;
        foreach (float theta in thresholds)
            foreach (double p in x) { rounded += (long)Math.Round(p * T / theta); floored += (long)Math.Floor(p * T / theta); }
        Assert.NotEqual(rounded, floored);
        Assert.Equal(floored, Spikes(Net(null)));
        Assert.Equal(rounded, Spikes(Net([0.5f, 0.25f])));
    }

    [Fact]
    public void Calibrated_networks_round_trip_through_the_file_and_NIR_refuses_them()
    {
        var (net, data) = Balanced(Readout.Membrane);
        SpikingNetwork calibrated = Calibrate(net, data, PostCalibration.Bias | PostCalibration.Membrane, 4);
        string path = Path.Combine(_temp.Path, "calibrated.snn");
        SnnFile.Save(path, calibrated);
        SpikingNetwork loaded = SnnFile.Load(path);
        foreach (int s in calibrated.SynapticIndices)
        {
            var (a, b) = ((SynapticLayer)calibrated.Layers[s], (SynapticLayer)loaded.Layers[s]);
            Assert.Equal(a.Bias, b.Bias);
            Assert.Equal(a.InitialPotential, b.InitialPotential);
            Assert.Equal(a.Describe(), b.Describe());
        }
        Assert.Contains("calibrated v(0)", ((SynapticLayer)loaded.Layers[0]).Describe());
        Assert.NotNull(loaded.Conversion.PostCalibration);
        Assert.Equal(calibrated.Conversion.ToJson().ToJsonString(), loaded.Conversion.ToJson().ToJsonString());
        var e = Assert.Throws<ConversionException>(() => NirExporter.ToGraph(loaded));
        Assert.Contains("initial membrane", e.Message);

        // Without post-calibration nothing new is written.
        string plain = Path.Combine(_temp.Path, "plain.snn");
        SnnFile.Save(plain, net);
        Assert.Null(SnnFile.Load(plain).Conversion.PostCalibration);
        Assert.DoesNotContain("postCalibration", net.Conversion.ToJson().ToJsonString());
        Assert.All(SnnFile.Load(plain).Layers.OfType<SynapticLayer>(), l => Assert.Null(l.InitialPotential));
        Assert.Same(net, Calibrate(net, data, PostCalibration.None, 4));
    }

    public static TheoryData<string> Methods() => new(ThresholdMethods.Names);

    // Through the one entry point, after every threshold method: the same network as calibrating the method's result
    // at T = TargetSteps on the same images; thresholds and weights untouched.
    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_threshold_method_is_post_calibrated_at_the_target_latency(string method)
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new Conv2dSpec(1, 4, 3, Padding: 1, Bias: true), new BatchNorm2dSpec(4), new ReluSpec(),
            new AvgPool2dSpec(2), new FlattenSpec(), new LinearSpec(64, 8, Bias: true), new ReluSpec(), new LinearSpec(8, 3)], [1, 8, 8], seed: 41);
        ImageDataset train = TestNets.Grey(30, 1, 8, 8, 3, seed: 42);
        var options = new ConversionOptions { Method = ThresholdMethods.Create(method), CalibrationSteps = 6, Seed = 3, BatchSize = 7 };
        // The thresholds Convert sets before post-calibrating: the method's, chosen for T = 4 with the rounding error
        // (a calibrated membrane starts at theta/2 before its shift).
        var target = new LatencyTarget(4, HalfThresholdStart: true);
        SpikingNetwork plain = options.Method.Balance(SnnTemplateBuilder.Build(model).Network, new CalibrationSettings(train, 6, 3, 7, Target: target));
        SpikingNetwork calibrated = SnnConverter.Convert(model, options with { PostCalibration = PostCalibration.Bias | PostCalibration.Membrane, TargetSteps = 4 }, train).Network;
        SpikingNetwork expected = PostCalibrator.Calibrate(plain, PostCalibration.Bias | PostCalibration.Membrane, new CalibrationSettings(train, 4, 3, 7, Target: target));
        Assert.Equal(4, calibrated.Conversion.PostCalibration!.TargetSteps);
        Assert.Equal("bias,membrane", calibrated.Conversion.PostCalibration.Steps);
        foreach (int s in plain.SynapticIndices)
        {
            var (p, c, e) = ((SynapticLayer)plain.Layers[s], (SynapticLayer)calibrated.Layers[s], (SynapticLayer)expected.Layers[s]);
            Assert.Equal(p.Thresholds, c.Thresholds);
            Assert.Equal(p.Weight, c.Weight);
            Assert.Equal(e.Bias, c.Bias);
            Assert.Equal(e.InitialPotential, c.InitialPotential);
            Assert.Equal(p.Spiking, c.InitialPotential is not null);
        }
    }
}
