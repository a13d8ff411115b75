using System.Text.Json.Nodes;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>
/// A reproduction with low-latency rows (<c>--low-latency-rows</c>): sharded by images on one calibration, or by
/// methods, and merged, it is the unsharded run to the bit; its rows record their own settings; a run-wide target
/// and rows of their own are refused together.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class LowLatencyRowShardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // ReproduceShardTests' small run (20 images, two methods, 64 calibration images) with the rows at T = 4 (and without
    // the row of a bundled QCFS model, so that the rows are those listed below whatever models/ holds).
    private static readonly string[] Settings = [.. ReproduceShardTests.Settings, "--low-latency-rows", "4", "--qcfs-model", "none"];

    [Fact]
    public void Shards_of_a_run_with_low_latency_rows_merge_to_the_unsharded_report()
    {
        string full = _dir.Sub("full"), conv = _dir.Sub("conv");
        var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--out", full]);
        Assert.True(code == 0, err);
        JsonNode results = JsonNode.Parse(File.ReadAllText(Path.Combine(full, ReproductionOutput.ResultsFile)))!;
        JsonNode[] methods = [.. results["methods"]!.AsArray().Select(m => m!)];
        Assert.Equal(["max-current", MethodVariant.AsWrittenLabel, "max-activation", "max-current target-T 4", "low-latency T=4"],
            methods.Select(m => m["label"]!.GetValue<string>()));
        Assert.All(methods.Take(3), m => { Assert.Null(m["targetSteps"]); Assert.Null(m["postCalibration"]); });
        Assert.Equal(4, methods[3]["targetSteps"]!.GetValue<int>());
        Assert.Null(methods[3]["postCalibration"]);
        Assert.Equal("bias, membrane", methods[4]["postCalibration"]!.GetValue<string>());
        Assert.Null(results["settings"]!["targetSteps"]);   // the run has no target of its own
        string report = File.ReadAllText(Path.Combine(full, ReproductionOutput.ReportFile));
        Assert.Contains("- max-current target-T 4: max-current (synapses scaled by the thresholds) with each channel's threshold", report);
        Assert.Contains("- low-latency T=4: the recommended low-latency preset: those thresholds", report);
        Assert.Contains("the training split only", report);

        // Calibrated once; each .snn records its row's settings; two image shards load it.
        (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--calibrate-only", "--conversions", conv]);
        Assert.True(code == 0, err);
        SpikingNetwork preset = SnnFile.Load(Path.Combine(conv, "low-latency_T_4.snn"));
        Assert.Equal(4, preset.Conversion.TargetSteps);
        Assert.Equal("bias,membrane", preset.Conversion.PostCalibration!.Steps);
        Assert.Null(SnnFile.Load(Path.Combine(conv, "max-current.snn")).Conversion.PostCalibration);
        ReproduceShardTests.AssertShardsMergeTo(full, Settings, conv, _dir);
    }

    [Fact]
    public void With_neurons_at_half_threshold_the_shared_thresholds_give_the_same_report_whether_or_not_a_shard_holds_the_search_row()
    {
        // With neurons at theta/2 the preset's thresholds are the search row's: the whole run, the calibration into the
        // folder and a methods shard holding both rows calibrate them once; a methods shard holding the preset alone
        // calibrates them itself. Every way gives the same numbers.
        string[] settings = [.. Settings, "--initial-membrane", "half"];
        string full = _dir.Sub("full"), conv = _dir.Sub("conv"), alone = _dir.Sub("alone"), merged = _dir.Sub("merged-alone");
        var (code, err) = CliInProcess.Run(["reproduce", .. settings, "--out", full]);
        Assert.True(code == 0, err);
        Assert.Contains("A row with post-calibration counts its thresholds' calibration and its own post-calibration.",
            File.ReadAllText(Path.Combine(full, ReproductionOutput.ReportFile)));
        (code, err) = CliInProcess.Run(["reproduce", .. settings, "--calibrate-only", "--conversions", conv]);
        Assert.True(code == 0, err);
        SynapticLayer[] search = [.. SnnFile.Load(Path.Combine(conv, "max-current_target-T_4.snn")).Layers.OfType<SynapticLayer>()];
        SynapticLayer[] preset = [.. SnnFile.Load(Path.Combine(conv, "low-latency_T_4.snn")).Layers.OfType<SynapticLayer>()];
        Assert.Equal(search.Select(l => l.Thresholds), preset.Select(l => l.Thresholds));
        Assert.NotEqual(search[0].Bias, preset[0].Bias);
        ReproduceShardTests.AssertShardsMergeTo(full, settings, conv, _dir);

        for (int k = 0; k < 5; k++)   // one method per shard: the preset row alone in the last
        {
            (code, err) = CliInProcess.Run(["reproduce", .. settings, "--shard", $"{k}/5", "--shard-by", "methods", "--out", alone]);
            Assert.True(code == 0, err);
        }
        (code, err) = CliInProcess.Run(["merge", merged, .. Directory.GetFiles(alone, "partial-*.json")]);
        Assert.True(code == 0, err);
        ReproduceShardTests.AssertSameOutput(full, merged);
    }

    [Fact]
    public void Rows_of_their_own_and_a_run_wide_target_are_refused_together_and_bad_latencies_are_usage_errors()
    {
        var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--low-latency", "8", "--out", _dir.Sub("a")]);
        Assert.Equal(2, code);
        Assert.Contains("--low-latency-rows: --target-T, --calibrate and --low-latency already apply to every row", err);
        (code, err) = CliInProcess.Run(["reproduce", .. ReproduceShardTests.Settings, "--low-latency-rows", "4,0", "--out", _dir.Sub("b")]);
        Assert.Equal(2, code);
        Assert.Contains("--low-latency-rows: \"0\" is not a positive number of time steps", err);
    }

    [Fact]
    public void Reproduce_reports_T_1_to_256_in_powers_of_two_by_default()
    {
        var parse = SnnConvert.Cli.Commands.ReproduceCommand.Create().Parse(["--dataset", "mnist"]);
        int[] timesteps = SnnConvert.Cli.SnnOptions.ParseTimesteps(parse.GetValue<string>("--timesteps")!);
        Assert.Equal(Enumerable.Range(0, 9).Select(k => 1 << k), timesteps);
        Assert.Equal(ReproductionOptions.PaperTimesteps, timesteps);
        Assert.Null(parse.GetValue<string?>("--low-latency-rows"));   // not given: the dataset's default rows
    }

    public void Dispose() => _dir.Dispose();
}
