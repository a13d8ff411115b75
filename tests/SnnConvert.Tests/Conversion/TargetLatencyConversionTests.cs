using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Conversion with a target latency: what it records, and thresholds never above the method's maximum.</summary>
public sealed class TargetLatencyConversionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static (SavedModel Cnn, ImageDataset Train) Mnist() =>
        (ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm")), DatasetLoader.Load("mnist", "train", null));

    [Fact]
    public void Activation_thresholds_for_a_target_are_at_most_the_maxima_and_the_record_says_how_they_were_chosen()
    {
        var (cnn, train) = Mnist();
        var options = new ConversionOptions { Method = new ChannelMaxActivationThresholds(), CalibrationSamples = 300 };
        SpikingNetwork plain = SnnConverter.Convert(cnn, options, train).Network;
        SpikingNetwork targeted = SnnConverter.Convert(cnn, options with { TargetSteps = 4 }, train).Network;

        // The activations do not depend on the thresholds, so each layer's candidates are fractions of the same maxima.
        foreach (var (a, b) in plain.Layers.OfType<SynapticLayer>().Zip(targeted.Layers.OfType<SynapticLayer>()))
            for (int c = 0; c < a.Thresholds!.Length; c++) Assert.True(b.Thresholds![c] <= a.Thresholds[c], $"{a.Describe()} channel {c}");
        Assert.True(targeted.Layers.OfType<SynapticLayer>().First().Thresholds!.Sum() < plain.Layers.OfType<SynapticLayer>().First().Thresholds!.Sum());
        Assert.Null(plain.Conversion.TargetSteps);
        Assert.All(plain.Conversion.LayerRecords, l => Assert.Null(l.TargetFraction));
        Assert.Equal(4, targeted.Conversion.TargetSteps);
        Assert.False(targeted.Conversion.TargetRounding);
        Assert.All(targeted.Conversion.LayerRecords, l => Assert.InRange(l.TargetFraction!.Value, 1e-9, 1.0));

        string path = Path.Combine(_temp.Path, "t.snn");
        SnnFile.Save(path, targeted);
        Assert.Equal(targeted.Conversion.ToJson().ToJsonString(), SnnFile.Load(path).Conversion.ToJson().ToJsonString());
        Assert.Contains("\"targetFraction\"", targeted.Conversion.ToJson().ToJsonString());
    }

    [Fact]
    public void Max_current_for_a_target_rounds_when_neurons_start_at_half_threshold_or_their_membrane_is_calibrated()
    {
        var (cnn, train) = Mnist();
        var options = new ConversionOptions { CalibrationSamples = 100, CalibrationSteps = 8, TargetSteps = 8 };
        SpikingNetwork floor = SnnConverter.Convert(cnn, options, train).Network;
        SpikingNetwork half = SnnConverter.Convert(cnn, options with { Neuron = new NeuronModel(Initial: InitialMembrane.HalfThreshold) }, train).Network;
        SpikingNetwork plain = SnnConverter.Convert(cnn, options with { TargetSteps = null }, train).Network;

        Assert.False(floor.Conversion.TargetRounding);
        Assert.True(half.Conversion.TargetRounding);
        Assert.True(SnnConverter.Target(options with { PostCalibration = PostCalibration.Membrane })!.HalfThresholdStart);
        Assert.False(SnnConverter.Target(options with { PostCalibration = PostCalibration.Bias })!.HalfThresholdStart);
        // The first layer sees the same currents in every run: its thresholds are candidates below the maxima.
        float[] max = plain.Layers.OfType<SynapticLayer>().First().Thresholds!;
        foreach (SpikingNetwork net in new[] { floor, half })
        {
            float[] chosen = net.Layers.OfType<SynapticLayer>().First().Thresholds!;
            for (int c = 0; c < max.Length; c++) Assert.True(chosen[c] <= max[c], $"channel {c}: {chosen[c]} > {max[c]}");
        }
        Assert.Throws<SnnConvert.Errors.InvalidSettingException>(() => SnnConverter.Convert(cnn, options with { TargetSteps = 0 }, train));
    }
}
