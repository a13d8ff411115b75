using System.Text.Json;
using SnnConvert.Conversion;
using SnnConvert.Reporting;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>The target latency and post-calibration of a run appear in results.json only when set.</summary>
public class ReproductionSettingsTests
{
    [Fact]
    public void Target_and_post_calibration_are_written_only_when_set()
    {
        var plain = new ReproductionSettings(10, 20, 64, [1, 2], "direct", 1, 100);
        string json = JsonSerializer.Serialize(plain, ReproductionReport.Json);
        Assert.DoesNotContain("targetSteps", json);
        Assert.DoesNotContain("postCalibration", json);   // results.json of earlier runs stay as they were

        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false), [1, 2], TargetSteps: 8,
            PostCalibration: PostCalibration.Bias | PostCalibration.Membrane);
        ReproductionSettings set = plain.With(options);
        Assert.Equal(8, set.TargetSteps);
        Assert.Equal("bias, membrane", set.PostCalibration);
        ReproductionSettings read = JsonSerializer.Deserialize<ReproductionSettings>(JsonSerializer.Serialize(set, ReproductionReport.Json), ReproductionReport.Json)!;
        Assert.Equal((8, "bias, membrane"), (read.TargetSteps, read.PostCalibration));
        Assert.Equal(8, options.Conversion().TargetSteps);
        Assert.Equal(PostCalibration.Bias | PostCalibration.Membrane, options.Conversion().PostCalibration);
    }

    [Fact]
    public void Methods_of_a_reproduction_show_max_current_both_ways()
    {
        var labels = MethodVariant.Build(ThresholdMethods.Names, variants: true, bothSeedForms: true).Select(m => m.Label).ToArray();
        Assert.Equal(["max-current", MethodVariant.AsWrittenLabel, "max-activation", "percentile", "spike-norm", "channel-max-activation",
            MethodVariant.Percentile999Label], labels);
        var methods = MethodVariant.Build(["max-current"], variants: false, bothSeedForms: true);
        Assert.Equal(new MaxCurrentThresholds(), methods[0].Method);
        Assert.Equal(MaxCurrentThresholds.AsWritten, methods[1].Method);
        // compare: one form, the one asked for.
        Assert.Equal([MethodVariant.AsWrittenLabel], MethodVariant.Build(["max-current"], variants: false, asWritten: true).Select(m => m.Label));
    }
}
