using SnnConvert.Cli;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public sealed class ReadoutDelaySearchTests
{
    private static CalibrationSettings Settings(ImageDataset data, int t) => new(data, t, Seed: 1, BatchSize: 10);

    // One hidden IF neuron (theta 1, v(0) 0, soft reset) on a constant current 0.6 spikes at steps 2 and 4 of T = 4; the
    // output layer 1->2 has weights (1, 1/2), so its currents are (s, s/2) and the CNN's logits (0.6, 0.3).
    // V_D / (T - D) for the first class: D = 0: 2/4, D = 1: 2/3, D = 2: 1/2, D = 3: 1/1; the error of D is
    // ((V_D / (T - D) - 0.6)^2 (1 + 1/4)) / 2.
    [Fact]
    public void The_delay_errors_follow_the_hand_computation_and_the_least_is_chosen()
    {
        ImageDataset data = TestNets.Dataset(1, 1, 1, 2, [[153]], [0]);
        SpikingNetwork net = TestNets.Network([1, 1, 1], 2, new SnnFlatten(),
            new SnnLinear(1, 1) { Weight = [1f], Thresholds = [1f], Spiking = true },
            new SnnLinear(1, 2) { Weight = [1f, 0.5f], Spiking = false });
        double[] rate = [2 / 4.0, 2 / 3.0, 1 / 2.0, 1 / 1.0];
        double[] expected = rate.Select(r => (r - 0.6) * (r - 0.6) * 1.25 / 2).ToArray();
        double[] errors = ReadoutDelaySearch.Errors(net, net, Settings(data, 4), null);
        Assert.Equal(4, errors.Length);
        for (int d = 0; d < 4; d++) Assert.Equal(expected[d], errors[d], 1e-6);

        SpikingNetwork chosen = ReadoutDelaySearch.Choose(net, net, Settings(data, 4), images: 512);
        Assert.Equal(1, chosen.ReadoutDelay);
        ReadoutDelayRecord record = chosen.Conversion.ReadoutDelay!;
        Assert.Equal((1, 4, 1), (record.Delay, record.TargetSteps, record.Images));
        ConversionRecord back = ConversionRecord.FromJson(chosen.Conversion.ToJson());
        Assert.Equal(record with { Errors = [] }, back.ReadoutDelay! with { Errors = [] });
        Assert.Equal(errors.Select(e => double.Parse(e.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)), back.ReadoutDelay!.Errors);
    }

    // The errors against a double re-implementation: per image, the output currents of every step from SnnReference,
    // and the rate model's logits (every spiking layer hands ReLU(z) / theta on).
    [Fact]
    public void The_delay_errors_match_a_double_reimplementation()
    {
        var (net, data) = PostCalibrationTests.Balanced(Readout.Membrane);
        net = net with { Neuron = new NeuronModel(ResetMode.Soft, InitialMembrane.HalfThreshold) };
        const int T = 6;
        int output = net.OutputIndex, classes = net.ClassNames.Count;
        var expected = new double[T];
        for (int i = 0; i < data.Count; i++)
        {
            double[] image = SnnReference.Image(data, i);
            double[] logits = ReferencePostCalibration.RateModel(net, image);
            var run = new SnnReference(net);
            run.Start(image);
            var currents = new double[T][];
            for (int t = 0; t < T; t++)
            {
                run.Step();
                currents[t] = (double[])run.Current(output).Clone();
            }
            for (int d = 0; d < T; d++)
                for (int o = 0; o < classes; o++)
                {
                    double v = 0;
                    for (int t = d; t < T; t++) v += currents[t][o];
                    double e = v / (T - d) - logits[o];
                    expected[d] += e * e / data.Count / classes;
                }
        }
        double[] actual = ReadoutDelaySearch.Errors(net, net, Settings(data, T), null);
        for (int d = 0; d < T; d++) Assert.Equal(expected[d], actual[d], 1e-4 * Math.Max(1, expected[d]));
        Assert.True(expected.Max() > 2 * expected.Min(), "the delays' errors differ too little for the comparison to mean much");
    }

    [Fact]
    public void Auto_needs_a_target_latency_and_a_membrane_readout()
    {
        var e = Assert.Throws<InvalidSettingException>(() => SnnConverter.CheckReadoutDelay(new ConversionOptions { ChooseReadoutDelay = true }));
        Assert.Equal(SettingNames.ReadoutDelay, e.Setting);
        Assert.Contains("target latency", e.Message);
        e = Assert.Throws<InvalidSettingException>(() => SnnConverter.CheckReadoutDelay(new ConversionOptions { ReadoutDelay = 2, Readout = Readout.SpikeCount }));
        Assert.Contains("membrane readout", e.Message);
        e = Assert.Throws<InvalidSettingException>(() => SnnConverter.CheckReadoutDelay(new ConversionOptions { ReadoutDelay = -1 }));
        Assert.Contains("got -1", e.Message);
        SnnConverter.CheckReadoutDelay(new ConversionOptions { ChooseReadoutDelay = true, TargetSteps = 4 });
        SnnConverter.CheckReadoutDelay(new ConversionOptions { ReadoutDelay = 3 });
        // The delay does not change the thresholds: conversions that differ only in it share them.
        Assert.True(SnnConverter.SharesThresholds(new ConversionOptions { TargetSteps = 4 }, new ConversionOptions { TargetSteps = 4, ChooseReadoutDelay = true }));
    }

    private static ConversionOptions Parsed(params string[] args) => ConversionFlagParsing.Parse(o => o.ReadoutDelayOption, args);

    [Fact]
    public void The_flag_takes_auto_or_steps_and_refuses_the_rest()
    {
        Assert.Equal((0, false), (Parsed("--target-T", "4").ReadoutDelay, Parsed("--target-T", "4").ChooseReadoutDelay));
        Assert.Equal((3, false), (Parsed("--readout-delay", "3").ReadoutDelay, Parsed("--readout-delay", "3").ChooseReadoutDelay));
        Assert.True(Parsed("--low-latency", "4", "--readout-delay", "auto").ChooseReadoutDelay);
        Assert.Contains("give --target-T", Assert.Throws<UsageException>(() => Parsed("--readout-delay", "auto")).Message);
        Assert.Contains("got \"-1\"", Assert.Throws<UsageException>(() => Parsed("--readout-delay", "-1")).Message);
        Assert.Contains("got \"soon\"", Assert.Throws<UsageException>(() => Parsed("--readout-delay", "soon")).Message);
        Assert.Contains("spike-count", Assert.Throws<UsageException>(() => Parsed("--readout-delay", "2", "--readout", "spike-count")).Message);
        Assert.Equal("--readout-delay", SettingFlags.FlagOf(SettingNames.ReadoutDelay));
    }

    [Fact]
    public void The_converter_chooses_the_delay_after_post_calibration_on_the_same_thresholds()
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new Conv2dSpec(1, 4, 3, Padding: 1), new ReluSpec(), new AvgPool2dSpec(2), new FlattenSpec(),
            new LinearSpec(64, 3)], [1, 8, 8], seed: 41);
        ImageDataset train = TestNets.Grey(30, 1, 8, 8, 3, seed: 42);
        var options = new ConversionOptions { CalibrationSteps = 6, TargetSteps = 4, PostCalibration = PostCalibration.Bias | PostCalibration.Membrane };
        SpikingNetwork plain = SnnConverter.Convert(model, options, train).Network;
        SpikingNetwork chosen = SnnConverter.Convert(model, options with { ChooseReadoutDelay = true }, train).Network;
        SpikingNetwork fixedDelay = SnnConverter.Convert(model, options with { ReadoutDelay = 2 }, train).Network;
        Assert.Equal(0, plain.ReadoutDelay);
        Assert.Null(plain.Conversion.ReadoutDelay);
        Assert.Equal(2, fixedDelay.ReadoutDelay);
        Assert.Null(fixedDelay.Conversion.ReadoutDelay);
        ReadoutDelayRecord record = chosen.Conversion.ReadoutDelay!;
        Assert.Equal(chosen.ReadoutDelay, record.Delay);
        Assert.Equal(4, record.TargetSteps);
        // Measured on the post-calibrated network (all 30 images: fewer than the post-calibration images) against the thresholds' rate model.
        double[] errors = ReadoutDelaySearch.Errors(plain, SnnConverter.Threshold(model, options, train).Balanced, new CalibrationSettings(train, 4), null);
        Assert.Equal(errors, record.Errors);
        Assert.Equal(Array.IndexOf(errors, errors.Min()), record.Delay);
        foreach (int s in plain.SynapticIndices)
            Assert.Equal(((SynapticLayer)plain.Layers[s]).Bias, ((SynapticLayer)chosen.Layers[s]).Bias);
    }
}
