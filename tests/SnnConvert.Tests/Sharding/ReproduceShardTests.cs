using System.Text.Json.Nodes;
using SnnConvert.Reporting;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>
/// reproduce and compare split into shards and merged give the unsharded run's output: every number, threshold, table
/// and plot to the byte. Wall times, the start time and the command line are measurements of each run, not results,
/// and differ between any two runs; they are blanked before the comparison.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ReproduceShardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // 20 images in batches of 4 (five batches), rate coding, two methods, a small calibration (also CalibrateOnceTests').
    internal static readonly string[] Settings =
    [
        "--dataset", "mnist", "--methods", "max-current,max-activation", "--variants", "false", "--calib-samples", "64", "--calib-steps", "16",
        "--timesteps", "1,4,16", "--limit", "20", "--batch-size", "4", "--encoding", "rate",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Merged_reproduce_shards_give_the_unsharded_report_plots_and_results(int n)
    {
        string full = _dir.Sub("full"), parts = _dir.Sub("parts"), merged = _dir.Sub("merged");
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--out", full]).ExitCode);
        for (int k = n - 1; k >= 0; k--)
            Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--shard", $"{k}/{n}", "--out", parts]).ExitCode);
        string[] files = Directory.GetFiles(parts, "partial-*.json");
        Assert.Equal(n, files.Length);
        var (code, err) = CliInProcess.Run(["merge", merged, .. files.Reverse()]);
        Assert.True(code == 0, err);
        foreach (string plot in Directory.GetFiles(full, "*.png"))
            Assert.Equal(File.ReadAllBytes(plot), File.ReadAllBytes(Path.Combine(merged, Path.GetFileName(plot))));
        Assert.Equal(Results(full), Results(merged));
        Assert.Equal(Markdown(full), Markdown(merged));
        Assert.Contains("\"testImages\":20", Results(merged));
    }

    [Fact]
    public void Merged_compare_shards_give_the_unsharded_json_byte_for_byte()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), full = _dir.File("full.json");
        string[] args = ["compare", "--model", model, .. Settings.Skip(2).Where((_, i) => i is not 2 and not 3)];   // compare has no --dataset/--variants here
        Assert.Equal(0, CliInProcess.Run([.. args, "--json", full]).ExitCode);
        string[] parts = [_dir.File("c0.json"), _dir.File("c1.json")];
        for (int k = 0; k < 2; k++) Assert.Equal(0, CliInProcess.Run([.. args, "--shard", $"{k}/2", "--json", parts[k]]).ExitCode);
        string merged = _dir.File("merged.json");
        var (code, err) = CliInProcess.Run("merge", merged, parts[1], parts[0]);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(merged));
    }

    // results.json without the fields that time the run.
    /// <summary>
    /// Runs <paramref name="settings"/> as two image shards loading the conversions folder <paramref name="conversions"/>
    /// (already calibrated) into dir/parts and as three method shards calibrating their own rows into dir/by-methods,
    /// merges each set, and asserts that both give the unsharded run's output in <paramref name="full"/>.
    /// </summary>
    internal static void AssertShardsMergeTo(string full, string[] settings, string conversions, TempDirectory dir)
    {
        string parts = dir.Sub("parts"), merged = dir.Sub("merged");
        for (int k = 0; k < 2; k++)
        {
            var (code, err) = CliInProcess.Run(["reproduce", .. settings, "--shard", $"{k}/2", "--conversions", conversions, "--out", parts]);
            Assert.True(code == 0, err);
        }
        var (mergeCode, mergeErr) = CliInProcess.Run(["merge", merged, .. Directory.GetFiles(parts, "partial-*.json")]);
        Assert.True(mergeCode == 0, mergeErr);
        AssertSameOutput(full, merged);

        string byMethods = dir.Sub("by-methods"), merged2 = dir.Sub("merged2");
        for (int k = 0; k < 3; k++)
        {
            var (code, err) = CliInProcess.Run(["reproduce", .. settings, "--shard", $"{k}/3", "--shard-by", "methods", "--out", byMethods]);
            Assert.True(code == 0, err);
        }
        (mergeCode, mergeErr) = CliInProcess.Run(["merge", merged2, .. Directory.GetFiles(byMethods, "partial-*.json")]);
        Assert.True(mergeCode == 0, mergeErr);
        AssertSameOutput(full, merged2);
    }

    /// <summary>Asserts that <paramref name="merged"/> holds the results, report and plots of <paramref name="full"/>.</summary>
    internal static void AssertSameOutput(string full, string merged)
    {
        Assert.Equal(Results(full), Results(merged));
        Assert.Equal(Markdown(full), Markdown(merged));
        foreach (string plot in Directory.GetFiles(full, "*.png"))
            Assert.Equal(File.ReadAllBytes(plot), File.ReadAllBytes(Path.Combine(merged, Path.GetFileName(plot))));
    }

    internal static string Results(string folder)
    {
        JsonNode json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ReproductionOutput.ResultsFile)))!;
        json["run"] = null;
        foreach (JsonNode? method in json["methods"]!.AsArray()) { method!["calibrationSeconds"] = 0; method["simulationSeconds"] = 0; }
        return json.ToJsonString();
    }

    // report.md without the command line, the start time and the timings section.
    internal static string Markdown(string folder)
    {
        string[] lines = File.ReadAllLines(Path.Combine(folder, ReproductionOutput.ReportFile));
        int timings = Array.IndexOf(lines, "## Timings (seconds)");
        Assert.True(timings > 0);
        return string.Join("\n", lines.Take(timings).Where(l => !l.StartsWith("Command: ", StringComparison.Ordinal) && !l.StartsWith("Run ", StringComparison.Ordinal)));
    }

    public void Dispose() => _dir.Dispose();
}
