using SnnConvert.Reporting;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>
/// <c>--shard-by methods</c>: the shards of reproduce and compare split the methods (each shard calibrates and simulates
/// its own run of them over all test images), and the merge is the unsharded run's output, as with image shards.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class MethodShardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    // The settings of ReproduceShardTests: 20 images in batches of 4, rate coding, two methods, a small calibration.
    private static readonly string[] Settings = ReproduceShardTests.Settings;

    [Theory]
    [InlineData(5, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 7)]
    public void Method_shards_are_disjoint_contiguous_and_cover_every_method_in_order(int methods, int shards)
    {
        int[] all = [.. Enumerable.Range(0, methods)];
        var slices = Enumerable.Range(0, shards).Select(k => new ShardSpec(k, shards, ShardAxis.Methods).Methods(all)).ToArray();
        Assert.Equal(all, slices.SelectMany(s => s));
        Assert.Equal(methods < shards ? shards - methods : 0, slices.Count(s => s.Count == 0));
        Assert.Equal(new SnnConvert.Snn.ImageRange(0, 20), new ShardSpec(1, shards, ShardAxis.Methods).Images(20, 4));   // every image
    }

    [Fact]
    public void Reproduce_split_by_methods_merges_to_the_unsharded_report_even_with_an_empty_shard()
    {
        string full = _dir.Sub("full"), parts = _dir.Sub("parts"), merged = _dir.Sub("merged");
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--out", full]).ExitCode);
        for (int k = 0; k < 3; k++)   // two methods, three shards: shard 0 has none
        {
            var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--shard", $"{k}/3", "--shard-by", "methods", "--out", parts]);
            Assert.True(code == 0, err);
        }
        var (mergeCode, mergeErr) = CliInProcess.Run(["merge", merged, .. Directory.GetFiles(parts, "partial-*.json").Reverse()]);
        Assert.True(mergeCode == 0, mergeErr);
        Assert.Equal(ReproduceShardTests.Results(full), ReproduceShardTests.Results(merged));
        Assert.Equal(ReproduceShardTests.Markdown(full), ReproduceShardTests.Markdown(merged));
        foreach (string plot in Directory.GetFiles(full, "*.png"))
            Assert.Equal(File.ReadAllBytes(plot), File.ReadAllBytes(Path.Combine(merged, Path.GetFileName(plot))));
    }

    [Fact]
    public void Compare_split_by_methods_with_one_calibration_merges_to_the_unsharded_json_byte_for_byte()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), full = _dir.File("full.json"), conv = _dir.Sub("conv");
        string[] args = ["compare", "--model", model, .. Settings.Skip(2).Where((_, i) => i is not 2 and not 3)];   // no --dataset/--variants
        Assert.Equal(0, CliInProcess.Run([.. args, "--json", full]).ExitCode);
        Assert.Equal(0, CliInProcess.Run([.. args, "--calibrate-only", "--conversions", conv]).ExitCode);
        string[] parts = [_dir.File("c0.json"), _dir.File("c1.json")];
        for (int k = 0; k < 2; k++)
            Assert.Equal(0, CliInProcess.Run([.. args, "--shard", $"{k}/2", "--shard-by", "methods", "--conversions", conv, "--json", parts[k]]).ExitCode);
        string merged = _dir.File("merged.json");
        var (code, err) = CliInProcess.Run("merge", merged, parts[1], parts[0]);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(merged));
    }

    [Fact]
    public void An_image_shard_and_a_method_shard_are_refused_as_parts_of_different_runs()
    {
        string parts = _dir.Sub("parts"), byImages = _dir.Sub("images");
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--shard", "0/2", "--shard-by", "methods", "--out", parts]).ExitCode);
        Assert.Equal(0, CliInProcess.Run(["reproduce", .. Settings, "--shard", "1/2", "--out", byImages]).ExitCode);
        var (code, err) = CliInProcess.Run("merge", _dir.Sub("merged"), Path.Combine(parts, "partial-0-of-2.json"), Path.Combine(byImages, "partial-1-of-2.json"));
        Assert.Equal(12, code);
        Assert.Contains("shard by", err);
    }

    [Fact]
    public void Shard_by_methods_needs_a_shard()
    {
        var (code, err) = CliInProcess.Run(["reproduce", .. Settings, "--shard-by", "methods"]);
        Assert.Equal(2, code);
        Assert.Contains("--shard K/N", err);
    }

    public void Dispose() => _dir.Dispose();
}
