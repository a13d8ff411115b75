using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Sharding;

/// <summary>A fact reported as skipped, with the reason, when Slurm's daemons or munge (or another tool it names) are not installed.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    private static readonly string[] Daemons = ["munged", "slurmctld", "slurmd", "sbatch"];

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a daemon, or one of <paramref name="alsoNeeded"/>, is missing.</summary>
    public SlurmFactAttribute(params string[] alsoNeeded)
    {
        string[] missing = Daemons.Concat(alsoNeeded).Where(d => !Installed(d)).ToArray();
        if (missing.Length > 0)
            Skip = $"Slurm end-to-end test skipped: {string.Join(", ", missing)} not installed (scripts/setup.sh installs slurm-wlm, munge and jq)";
    }

    private static bool Installed(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(dir => File.Exists(Path.Combine(dir, program)));
}

/// <summary>
/// scripts/slurm/local-cluster.sh starts a real single-node Slurm, runs the sharded simulation as a job array with a
/// merge job depending on it (afterok), and compares the merged JSON with a single-process run byte for byte; with
/// --reproduce, a calibration job, the array after it and the merge after the array, compared with a single-process
/// reproduce (plots byte for byte, results.json and report.md without their timings).
/// </summary>
[Collection(SnnConvert.Tests.Reliability.ConsoleCollection.Name)]
public sealed class SlurmEndToEndTests(MnistSnnFixture fixture, ITestOutputHelper output) : IClassFixture<MnistSnnFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    [SlurmFact]
    public void A_job_array_and_its_afterok_merge_on_a_real_Slurm_give_the_single_process_result()
    {
        string stdout = LocalCluster("3", fixture.Snn, _dir.Path, "--model", fixture.Model, "--limit", "20", "--batch-size", "4",
            "--timesteps", "1,4,16", "--encoding", "rate");
        Assert.Contains("merged result of 3 shards equals the single-process run", stdout);
        Assert.Equal(File.ReadAllBytes(_dir.File("single.json")), File.ReadAllBytes(_dir.File("merged.json")));
        Assert.Equal(3, Directory.GetFiles(_dir.File("parts"), "part-*.json").Length);
    }

    [SlurmFact("jq")]
    public void A_sharded_reproduce_calibrated_once_on_a_real_Slurm_gives_the_single_process_report()
    {
        string stdout = LocalCluster("--reproduce", "3", _dir.Path, "--dataset", "mnist", "--model", fixture.Model, "--methods", "max-current,max-activation",
            "--variants", "false", "--calib-samples", "64", "--calib-steps", "16", "--timesteps", "1,4,16", "--limit", "20", "--batch-size", "4", "--encoding", "rate");
        Assert.Contains("merged result of 3 shards (calibrated once) equals the single-process run", stdout);
        Assert.Equal(ReproduceShardTests.Results(_dir.File("single")), ReproduceShardTests.Results(_dir.File("merged")));
        Assert.Equal(3, Directory.GetFiles(_dir.File("parts"), "partial-*-of-3.json").Length);
        // The array tasks loaded the one calibration; only the calibration job calibrated.
        string[] shardLogs = Directory.GetFiles(_dir.Path, "slurm-*_*.out");
        Assert.Equal(3, shardLogs.Length);
        Assert.All(shardLogs, log => Assert.DoesNotContain("calibrated in", File.ReadAllText(log)));
        Assert.All(shardLogs, log => Assert.Contains("loaded from", File.ReadAllText(log)));
    }

    // Runs scripts/slurm/local-cluster.sh with the test's CLI; returns its standard output after checking it succeeded.
    private string LocalCluster(params string[] args)
    {
        string script = RepositoryFiles.Path("scripts/slurm/local-cluster.sh");
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["SNNCONVERT"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "SnnConvert.Cli.dll")}";
        info.Environment["NO_COLOR"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); Assert.Fail("local-cluster.sh ran over 300 s"); }
        output.WriteLine(stdout.Result);
        output.WriteLine(stderr.Result);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public void Dispose() => _dir.Dispose();
}
