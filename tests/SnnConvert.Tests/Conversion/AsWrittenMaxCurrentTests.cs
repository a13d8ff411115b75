using SnnConvert.Cli;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// max-current's two forms: the default scales the synapses by the presynaptic thresholds; --as-written is the paper's
/// procedure, bit for bit the max-current of before the default changed.
/// </summary>
public class AsWrittenMaxCurrentTests
{
    private static ConversionOptions Parsed(params string[] args) => ConversionFlagParsing.Parse(o => o.BatchSize, args);

    [Fact]
    public void The_flags_map_to_the_default_and_the_as_written_form()
    {
        Assert.Equal(new MaxCurrentThresholds(ThresholdGranularity.Channel, 100, RescaleInputs: true), Parsed().Method);
        Assert.Equal(MaxCurrentThresholds.AsWritten, Parsed("--as-written").Method);
        Assert.Equal(Parsed().Method, Parsed("--rescale-inputs").Method);   // the deprecated flag is the default
        Assert.Null(Parsed().TargetSteps);
        Assert.Equal(PostCalibration.None, Parsed().PostCalibration);
    }

    [Fact]
    public void Target_latency_and_post_calibration_flags_and_the_low_latency_recommendation()
    {
        Assert.Equal(8, Parsed("--target-T", "8").TargetSteps);
        Assert.Equal(PostCalibration.Bias | PostCalibration.Membrane, Parsed("--calibrate", "bias,membrane").PostCalibration);
        Assert.Equal(PostCalibration.Membrane, Parsed("--calibrate", "membrane").PostCalibration);
        ConversionOptions low = Parsed("--low-latency", "4");
        Assert.Equal(4, low.TargetSteps);
        Assert.Equal(PostCalibration.Bias | PostCalibration.Membrane, low.PostCalibration);
        Assert.Equal(new MaxCurrentThresholds(), low.Method);
        Assert.Throws<UsageException>(() => Parsed("--calibrate", "weights"));
        Assert.Throws<UsageException>(() => Parsed("--target-T", "0"));
        Assert.Throws<UsageException>(() => Parsed("--low-latency", "4", "--target-T", "8"));
        Assert.Throws<UsageException>(() => Parsed("--low-latency", "4", "--as-written"));
    }

    [Fact]
    public void As_written_equals_the_pre_change_max_current_and_the_old_binarys_file_bit_for_bit()
    {
        // The fixture: `convert --model models/mnist-seed.snnm --method max-current --calib-samples 200 --calib-steps 16`
        // by the binary before the default changed (tests/fixtures/snn/README.md).
        SpikingNetwork old = SnnFile.Load(RepositoryFiles.Path("tests/fixtures/snn/mnist-seed-max-current-200x16.snn"));
        SavedModel cnn = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null);
        ConversionOptions cli = Parsed("--as-written", "--calib-samples", "200", "--calib-steps", "16");
        SpikingNetwork viaCli = SnnConverter.Convert(cnn, cli, train).Network;
        SpikingNetwork preChange = SnnConverter.Convert(cnn, cli with { Method = new MaxCurrentThresholds(RescaleInputs: false) }, train).Network;
        SpikingNetwork byDefault = SnnConverter.Convert(cnn, cli with { Method = new MaxCurrentThresholds() }, train).Network;

        foreach (SpikingNetwork net in new[] { viaCli, preChange })
        {
            Assert.Equal((old.Conversion with { CalibrationSeconds = null }).ToJson().ToJsonString(), net.Conversion.ToJson().ToJsonString());
            Assert.Equal(old.Layers.Count, net.Layers.Count);
            foreach (var (a, b) in old.Layers.OfType<SynapticLayer>().Zip(net.Layers.OfType<SynapticLayer>()))
            {
                Assert.Equal(a.Weight, b.Weight);
                Assert.Equal(a.Bias, b.Bias);
                Assert.Equal(a.Thresholds, b.Thresholds);
            }
        }
        // The default differs from the first weighted layer after the input on: its synapses carry the thresholds.
        var (first, second) = (byDefault.Layers.OfType<SynapticLayer>().First(), byDefault.Layers.OfType<SynapticLayer>().ElementAt(1));
        Assert.Equal(old.Layers.OfType<SynapticLayer>().First().Thresholds, first.Thresholds);
        Assert.NotEqual(old.Layers.OfType<SynapticLayer>().ElementAt(1).Weight, second.Weight);
        Assert.True(byDefault.Conversion.RescaleInputs);
    }
}
