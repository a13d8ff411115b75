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

/// <summary>
/// How many calibration images bias and membrane calibration use: <see cref="PostCalibrator.DefaultImages"/> unless
/// <see cref="ConversionOptions.PostCalibrationSamples"/> (convert --post-calib-samples) says otherwise.
/// </summary>
public sealed class PostCalibrationSamplesTests
{
    private const PostCalibration Both = PostCalibration.Bias | PostCalibration.Membrane;

    // Fewer images than given: the seeded subset SnnConverter.CalibrationSubset draws, checked against the plain double
    // reimplementation run on that subset alone (and against all images, which give other corrections).
    [Fact]
    public void Post_calibration_on_fewer_images_is_the_reference_on_the_seeded_subset()
    {
        var (net, data) = PostCalibrationTests.Balanced(Readout.Membrane);
        const int T = 5, Images = 10;
        var settings = new CalibrationSettings(data, T, Seed: 1, BatchSize: 10);
        SpikingNetwork actual = PostCalibrator.Calibrate(net, Both, settings, images: Images);
        SpikingNetwork onSubset = ReferencePostCalibration.Calibrate(net, SnnConverter.CalibrationSubset(data, Images, 1), T, bias: true, membrane: true);
        SpikingNetwork onAll = ReferencePostCalibration.Calibrate(net, data, T, bias: true, membrane: true);

        double largestDifferenceFromAll = 0;
        foreach (int s in net.SynapticIndices)
        {
            var (a, e, all) = ((SynapticLayer)actual.Layers[s], (SynapticLayer)onSubset.Layers[s], (SynapticLayer)onAll.Layers[s]);
            for (int c = 0; c < e.Bias!.Length; c++)
            {
                Assert.Equal(e.Bias[c], a.Bias![c], 1e-4);
                largestDifferenceFromAll = Math.Max(largestDifferenceFromAll, Math.Abs(all.Bias![c] - a.Bias[c]));
            }
            if (e.InitialPotential is not null)
                for (int c = 0; c < e.InitialPotential.Length; c++) Assert.Equal(e.InitialPotential[c], a.InitialPotential![c], 2e-3);
        }
        Assert.True(largestDifferenceFromAll > 1e-3, $"the subset's corrections should differ from all images' (largest difference {largestDifferenceFromAll})");
        Assert.Equal(Images, actual.Conversion.PostCalibration!.Images);
        Assert.Equal(data.Count, PostCalibrator.Calibrate(net, Both, settings, images: data.Count + 1).Conversion.PostCalibration!.Images);
    }

    [Fact]
    public void The_converter_passes_the_number_on_and_refuses_zero_before_calibrating()
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new Conv2dSpec(1, 4, 3, Padding: 1), new ReluSpec(), new AvgPool2dSpec(2), new FlattenSpec(),
            new LinearSpec(64, 3)], [1, 8, 8], seed: 41);
        ImageDataset train = TestNets.Grey(30, 1, 8, 8, 3, seed: 42);
        var options = new ConversionOptions { CalibrationSteps = 6, TargetSteps = 4, PostCalibration = Both };

        Assert.Equal(PostCalibrator.DefaultImages, options.PostCalibrationSamples);
        Assert.Equal(30, SnnConverter.Convert(model, options, train).Network.Conversion.PostCalibration!.Images);
        Assert.Equal(12, SnnConverter.Convert(model, options with { PostCalibrationSamples = 12 }, train).Network.Conversion.PostCalibration!.Images);
        var e = Assert.Throws<InvalidSettingException>(() => SnnConverter.Convert(model, options with { PostCalibrationSamples = 0 }, train));
        Assert.Equal(SettingNames.PostCalibrationSamples, e.Setting);
    }

    private static ConversionOptions Parsed(params string[] args) => ConversionFlagParsing.Parse(o => o.PostCalibSamples, args);

    [Fact]
    public void The_flag_sets_the_number_and_is_refused_without_post_calibration_or_below_one()
    {
        Assert.Equal(PostCalibrator.DefaultImages, Parsed("--low-latency", "8").PostCalibrationSamples);
        Assert.Equal(10000, Parsed("--low-latency", "8", "--post-calib-samples", "10000").PostCalibrationSamples);
        Assert.Equal(64, Parsed("--calibrate", "bias", "--post-calib-samples", "64").PostCalibrationSamples);
        Assert.Contains("only sets the images of --calibrate",
            Assert.Throws<UsageException>(() => Parsed("--target-T", "8", "--post-calib-samples", "64")).Message);
        Assert.Contains("at least one image", Assert.Throws<UsageException>(() => Parsed("--low-latency", "8", "--post-calib-samples", "0")).Message);
        Assert.Equal("--post-calib-samples", SettingFlags.FlagOf(SettingNames.PostCalibrationSamples));
    }
}
