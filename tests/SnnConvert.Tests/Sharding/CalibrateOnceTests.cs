using System.Text.Json.Nodes;
using SnnConvert.Reporting;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>
/// Calibrate once, shard the evaluation: <c>--calibrate-only --conversions DIR</c> writes every method's .snn and a
/// manifest, and the shards (and a whole run) given <c>--conversions DIR</c> load them instead of calibrating. The merge
/// is the unsharded run that calibrated itself, to the bit, except the timings; the calibration time is the manifest's.
/// A folder made for another run is refused, naming what differs.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class CalibrateOnceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // The settings of ReproduceShardTests: 20 images in batches of 4, rate coding, two methods, a small calibration.
    private static readonly string[] Settings = ReproduceShardTests.Settings;

    [Fact]
    public void Three_shards_loading_one_calibration_merge_to_the_unsharded_report()
    {
        string full = _dir.Sub("full"), conv = _dir.Sub("conv"), parts = _dir.Sub("parts"), merged = _dir.Sub("merged"), whole = _dir.Sub("whole");
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--out", full]).ExitCode);
        var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--calibrate-only", "--conversions", conv]);
        Assert.True(code == 0, err);
        Assert.Contains(CalibrationProgress, err);   // the progress lines of a calibration, which the shards below must not show
        Assert.True(File.Exists(Path.Combine(conv, ConversionsFolder.ManifestFile)));
        // One per row: max-current, max-current as written, max-activation (and the qcfs row once models/ bundles mnist-seed-qcfs.snnm).
        Assert.Equal(CalibrationSeconds(full).Length, Directory.GetFiles(conv, "*.snn").Length);
        Assert.InRange(Directory.GetFiles(conv, "*.snn").Length, 3, 4);
        for (int k = 0; k < 3; k++)
        {
            (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--shard", $"{k}/3", "--conversions", conv, "--out", parts]);
            Assert.True(code == 0, err);
            Assert.Contains("simulate max-current", err);
            Assert.DoesNotContain(CalibrationProgress, err);   // the shard did not calibrate
        }
        (code, err) = CliInProcess.Run(["merge", merged, .. Directory.GetFiles(parts, "partial-*.json")]);
        Assert.True(code == 0, err);
        Assert.Equal(ReproduceShardTests.Results(full), ReproduceShardTests.Results(merged));
        Assert.Equal(ReproduceShardTests.Markdown(full), ReproduceShardTests.Markdown(merged));
        foreach (string plot in Directory.GetFiles(full, "*.png"))
            Assert.Equal(File.ReadAllBytes(plot), File.ReadAllBytes(Path.Combine(merged, Path.GetFileName(plot))));
        Assert.Equal(ManifestSeconds(conv), CalibrationSeconds(merged));

        // The whole run may load the folder too: the same report, with the manifest's calibration times.
        (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--conversions", conv, "--out", whole]);
        Assert.True(code == 0, err);
        Assert.Equal(ReproduceShardTests.Results(full), ReproduceShardTests.Results(whole));
        Assert.Equal(ManifestSeconds(conv), CalibrationSeconds(whole));
    }

    [Fact]
    public void Compare_shards_loading_one_calibration_merge_to_the_unsharded_json_byte_for_byte()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), full = _dir.File("full.json"), conv = _dir.Sub("conv");
        string[] args = ["compare", "--model", model, .. CompareSettings()];
        Assert.Equal(0, CliInProcess.Run([.. args, "--json", full]).ExitCode);
        Assert.Equal(0, CliInProcess.Run([.. args, "--calibrate-only", "--conversions", conv]).ExitCode);
        string[] parts = [_dir.File("c0.json"), _dir.File("c1.json")];
        for (int k = 0; k < 2; k++)
        {
            var (code, err) = CliInProcess.Run([.. args, "--shard", $"{k}/2", "--conversions", conv, "--json", parts[k]]);
            Assert.True(code == 0, err);
            Assert.DoesNotContain(CalibrationProgress, err);
        }
        string merged = _dir.File("merged.json");
        Assert.Equal(0, CliInProcess.Run("merge", merged, parts[1], parts[0]).ExitCode);
        Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(merged));
    }

    [Fact]
    public void A_folder_calibrated_for_another_run_is_refused_naming_what_differs()
    {
        string conv = _dir.Sub("conv"), parts = _dir.Sub("parts");
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--calibrate-only", "--conversions", conv]).ExitCode);

        string[] otherSteps = [.. Settings.Select(a => a == "16" ? "8" : a)];   // --calib-steps 8
        var (code, err) = CliInProcess.Run(["reproduce", .. otherSteps, "--shard", "0/2", "--conversions", conv, "--out", parts]);
        Assert.Equal(12, code);
        Assert.Contains("conversion options", err);
        Assert.Contains("CalibrationSteps = 16", err);

        string[] otherMethods = [.. Settings.Select(a => a == "max-current,max-activation" ? "max-current" : a)];
        (code, err) = CliInProcess.Run(["reproduce", .. otherMethods, "--shard", "0/2", "--conversions", conv, "--out", parts]);
        Assert.Equal(12, code);
        Assert.Contains("methods: max-current = ", err);

        // Latencies and encoding are simulation settings: the same calibration serves them.
        string[] otherLatencies = [.. Settings.Select(a => a == "1,4,16" ? "2,8" : a == "rate" ? "direct" : a)];
        (code, err) = CliInProcess.Run(["reproduce", .. otherLatencies, "--shard", "0/2", "--conversions", conv, "--out", parts]);
        Assert.True(code == 0, err);

        string snn = Directory.GetFiles(conv, "*.snn")[0];
        byte[] bytes = File.ReadAllBytes(snn);
        bytes[^1] ^= 1;
        File.WriteAllBytes(snn, bytes);
        (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--shard", "0/2", "--conversions", conv, "--out", parts]);
        Assert.Equal(12, code);
        Assert.Contains("changed since it was calibrated", err);

        File.Delete(Path.Combine(conv, ConversionsFolder.ManifestFile));
        (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--shard", "0/2", "--conversions", conv, "--out", parts]);
        Assert.Equal(14, code);
        Assert.Contains("no conversions.json", err);
    }

    [Fact]
    public void Calibrate_only_needs_a_folder_and_no_shard()
    {
        var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--calibrate-only"]);
        Assert.Equal(2, code);
        Assert.Contains("--conversions DIR", err);
        (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--calibrate-only", "--conversions", _dir.Sub("c"), "--shard", "0/2"]);
        Assert.Equal(2, code);
        Assert.Contains("without --shard", err);
    }

    // The start of max-current's progress line for its first layer (log lines are not captured in-process, progress lines are).
    private const string CalibrationProgress = "max-current: layer 0 (";

    // compare takes the same settings but --dataset and --variants.
    private static string[] CompareSettings() => [.. Settings.Skip(2).Where((_, i) => i is not 2 and not 3)];

    private static double[] ManifestSeconds(string conv) =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(conv, ConversionsFolder.ManifestFile)))!["methods"]!.AsArray()
            .Select(m => m!["calibrationSeconds"]!.GetValue<double>())];

    private static double[] CalibrationSeconds(string folder) =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ReproductionOutput.ResultsFile)))!["methods"]!.AsArray()
            .Select(m => m!["calibrationSeconds"]!.GetValue<double>())];

    public void Dispose() => _dir.Dispose();
}
