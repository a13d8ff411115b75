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

public class PostCalibrationPassesTests
{
    private const PostCalibration Both = PostCalibration.Bias | PostCalibration.Membrane;

    [Fact]
    public void The_converter_passes_the_number_on_refuses_zero_and_shares_thresholds_across_passes()
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new Conv2dSpec(1, 4, 3, Padding: 1), new ReluSpec(), new AvgPool2dSpec(2), new FlattenSpec(),
            new LinearSpec(64, 3)], [1, 8, 8], seed: 41);
        ImageDataset train = TestNets.Grey(30, 1, 8, 8, 3, seed: 42);
        var options = new ConversionOptions { CalibrationSteps = 6, TargetSteps = 4, PostCalibration = Both };

        Assert.Equal(PostCalibrator.DefaultPasses, options.PostCalibrationPasses);
        SpikingNetwork one = SnnConverter.Convert(model, options, train).Network, three = SnnConverter.Convert(model, options with { PostCalibrationPasses = 3 }, train).Network;
        Assert.Equal(1, one.Conversion.PostCalibration!.Passes);
        Assert.Equal(3, three.Conversion.PostCalibration!.Passes);
        Assert.True(SnnConverter.SharesThresholds(options, options with { PostCalibrationPasses = 3 }));
        // The same thresholds, other corrections.
        Assert.Equal(((SynapticLayer)one.Layers[0]).Thresholds, ((SynapticLayer)three.Layers[0]).Thresholds);
        Assert.NotEqual(((SynapticLayer)one.Layers[0]).InitialPotential, ((SynapticLayer)three.Layers[0]).InitialPotential);
        var e = Assert.Throws<InvalidSettingException>(() => SnnConverter.Convert(model, options with { PostCalibrationPasses = 0 }, train));
        Assert.Equal(SettingNames.PostCalibrationPasses, e.Setting);
    }

    [Fact]
    public void The_passes_survive_the_file_and_one_pass_writes_no_field()
    {
        var record = new PostCalibrationRecord("bias", 4, 10, [], Passes: 3);
        Assert.Equal(3, PostCalibrationRecord.FromJson(record.ToJson()).Passes);
        Assert.Null((record with { Passes = 1 }).ToJson()["passes"]);
        Assert.Equal(1, PostCalibrationRecord.FromJson((record with { Passes = 1 }).ToJson()).Passes);
    }

    private static ConversionOptions Parsed(params string[] args) => ConversionFlagParsing.Parse(o => o.PostCalibPasses, args);

    private static ConversionOptions ParsedGranularity(params string[] args) => ConversionFlagParsing.Parse(o => o.MembraneGranularityOption, args);

    [Fact]
    public void The_membrane_granularity_flag_needs_membrane_calibration()
    {
        Assert.Equal(MembraneGranularity.Channel, ParsedGranularity("--low-latency", "8").MembraneGranularity);
        Assert.Equal(MembraneGranularity.Neuron, ParsedGranularity("--low-latency", "8", "--membrane-granularity", "neuron").MembraneGranularity);
        Assert.Equal(MembraneGranularity.Neuron, ParsedGranularity("--calibrate", "membrane", "--target-T", "4", "--membrane-granularity", "neuron").MembraneGranularity);
        Assert.Contains("only sets how --calibrate membrane",
            Assert.Throws<UsageException>(() => ParsedGranularity("--calibrate", "bias", "--target-T", "4", "--membrane-granularity", "neuron")).Message);
        Assert.Throws<UsageException>(() => ParsedGranularity("--low-latency", "8", "--membrane-granularity", "pixel"));
    }

    [Fact]
    public void The_flag_sets_the_number_and_is_refused_without_post_calibration_or_below_one()
    {
        Assert.Equal(PostCalibrator.DefaultPasses, Parsed("--low-latency", "8").PostCalibrationPasses);
        Assert.Equal(3, Parsed("--calibrate", "bias,membrane", "--target-T", "4", "--post-calib-passes", "3").PostCalibrationPasses);
        Assert.Contains("only sets the passes of --calibrate",
            Assert.Throws<UsageException>(() => Parsed("--target-T", "8", "--post-calib-passes", "2")).Message);
        Assert.Contains("at least one pass", Assert.Throws<UsageException>(() => Parsed("--low-latency", "8", "--post-calib-passes", "0")).Message);
        Assert.Equal("--post-calib-passes", SettingFlags.FlagOf(SettingNames.PostCalibrationPasses));
    }
}
