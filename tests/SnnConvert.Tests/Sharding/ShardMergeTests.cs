using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>The bundled mnist-seed converted once (small calibration) for the sharding tests.</summary>
public sealed class MnistSnnFixture : IDisposable
{
    private readonly TempDirectory _dir = new();

    /// <summary>Converts the model.</summary>
    public MnistSnnFixture()
    {
        Snn = _dir.File("mnist-seed.snn");
        var (code, err) = CliInProcess.Run("convert", "--model", Model, "--calib-samples", "64", "--calib-steps", "16", "--out", Snn);
        if (code != 0) throw new InvalidOperationException($"convert failed ({code}): {err}");
    }

    /// <summary>The bundled CNN.</summary>
    public string Model { get; } = RepositoryFiles.Path("models/mnist-seed.snnm");

    /// <summary>Its conversion.</summary>
    public string Snn { get; }

    /// <inheritdoc/>
    public void Dispose() => _dir.Dispose();
}

[Collection(ConsoleCollection.Name)]
public sealed class ShardMergeTests(MnistSnnFixture fixture) : IClassFixture<MnistSnnFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    // 20 images in batches of 4: five batches, so seven shards leave two empty. Rate coding, so that each image's draws
    // must be keyed by its global index; with the CNN, so that agreement and the CNN's accuracy are merged too.
    private string[] Simulate(string snn, params string[] extra) => SimulateSeeded(snn, "5", extra);

    private string[] SimulateSeeded(string snn, string seed, params string[] extra) =>
        ["simulate", "--snn", snn, "--model", fixture.Model, "--limit", "20", "--batch-size", "4", "--timesteps", "1,3,8,20", "--encoding", "rate", "--seed", seed, .. extra];

    private string[] Parts(int n, string? snn = null, string tag = "p")
    {
        var parts = new string[n];
        for (int k = 0; k < n; k++)
        {
            parts[k] = _dir.File($"{tag}{k}-of-{n}.json");
            var (code, err) = CliInProcess.Run(Simulate(snn ?? fixture.Snn, "--shard", $"{k}/{n}", "--json", parts[k]));
            Assert.True(code == 0, err);
        }
        return parts;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void Merged_shards_give_the_unsharded_json_byte_for_byte_in_any_order(int n)
    {
        string full = _dir.File("full.json");
        Assert.Equal(0, CliInProcess.Run(Simulate(fixture.Snn, "--json", full)).ExitCode);
        string[] parts = Parts(n);
        foreach (string[] order in new[] { parts, parts.Reverse().ToArray() })
        {
            string merged = _dir.File($"merged-{n}.json");
            var (code, err) = CliInProcess.Run(["merge", merged, .. order]);
            Assert.True(code == 0, err);
            Assert.Equal(File.ReadAllBytes(full), File.ReadAllBytes(merged));
        }
        Assert.Contains("\"images\": 20", File.ReadAllText(full));
    }

    [Fact]
    public void A_missing_shard_is_refused_naming_it()
    {
        string[] parts = Parts(3);
        var (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), parts[0], parts[2]);
        Assert.Equal(13, code);
        Assert.Contains("error (shard-set): shard 1 of 0..2 is missing", err);
        Assert.False(File.Exists(_dir.File("m.json")));
    }

    [Fact]
    public void A_shard_given_twice_is_refused()
    {
        string[] parts = Parts(2);
        File.Copy(parts[1], _dir.File("copy.json"));
        var (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), parts[0], parts[1], _dir.File("copy.json"));
        Assert.Equal(13, code);
        Assert.Contains("shard 1/2 is given twice", err);
    }

    [Fact]
    public void Parts_of_different_networks_or_shard_counts_are_refused()
    {
        string other = _dir.File("other.snn");
        Assert.Equal(0, CliInProcess.Run("convert", "--model", fixture.Model, "--calib-samples", "32", "--calib-steps", "16", "--out", other).ExitCode);
        string[] mine = Parts(2), theirs = Parts(2, other, "o");
        var (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), mine[0], theirs[1]);
        Assert.Equal(12, code);
        Assert.Contains("error (shard-mismatch)", err);
        Assert.Contains("snn sha256 differs", err);

        string[] three = Parts(3, tag: "t");
        (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), mine[0], three[1], three[2]);
        Assert.Equal(12, code);
        Assert.Contains("different numbers of shards", err);

        string seeded = _dir.File("seeded.json");
        Assert.Equal(0, CliInProcess.Run(SimulateSeeded(fixture.Snn, "6", "--shard", "1/2", "--json", seeded)).ExitCode);
        (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), mine[0], seeded);
        Assert.Equal(12, code);
        Assert.Contains("seed differs (6 versus 5)", err);
    }

    [Fact]
    public void A_truncated_part_is_refused_as_such()
    {
        string[] parts = Parts(2);
        byte[] bytes = File.ReadAllBytes(parts[1]);
        File.WriteAllBytes(parts[1], bytes[..(bytes.Length / 2)]);
        var (code, err) = CliInProcess.Run("merge", _dir.File("m.json"), parts[0], parts[1]);
        Assert.Equal(14, code);
        Assert.Contains($"error (partial-format): {parts[1]}: not a complete partial result (truncated", err);
    }

    [Fact]
    public void A_shard_needs_a_file_for_its_partial_result_and_a_valid_K_of_N()
    {
        var (code, err) = CliInProcess.Run(Simulate(fixture.Snn, "--shard", "0/2"));
        Assert.Equal(2, code);
        Assert.Contains("--shard: give --json FILE", err);
        (code, err) = CliInProcess.Run(Simulate(fixture.Snn, "--shard", "2/2", "--json", _dir.File("x.json")));
        Assert.Equal(2, code);
        Assert.Contains("--shard", err);
    }

    public void Dispose() => _dir.Dispose();
}
