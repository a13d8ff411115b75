using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Sharding;

/// <summary>A fact reported as skipped, with the reason, when Slurm's daemons or munge are not installed.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    private static readonly string[] Daemons = ["munged", "slurmctld", "slurmd", "sbatch"];

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a daemon is missing.</summary>
    public SlurmFactAttribute()
    {
        string[] missing = Daemons.Where(d => !Installed(d)).ToArray();
        if (missing.Length > 0)
            Skip = $"Slurm end-to-end test skipped: {string.Join(", ", missing)} not installed (scripts/setup.sh installs slurm-wlm and munge)";
    }

    private static bool Installed(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Any(dir => File.Exists(Path.Combine(dir, program)));
}

/// <summary>
/// scripts/slurm/local-cluster.sh starts a real single-node Slurm, runs the sharded simulation as a job array with a
/// merge job depending on it (afterok), and compares the merged JSON with a single-process run byte for byte.
/// </summary>
[Collection(SnnConvert.Tests.Reliability.ConsoleCollection.Name)]
public sealed class SlurmEndToEndTests(MnistSnnFixture fixture, ITestOutputHelper output) : IClassFixture<MnistSnnFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    [SlurmFact]
    public void A_job_array_and_its_afterok_merge_on_a_real_Slurm_give_the_single_process_result()
    {
        string script = RepositoryFiles.Path("scripts/slurm/local-cluster.sh");
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { script, "3", fixture.Snn, _dir.Path, "--model", fixture.Model, "--limit", "20", "--batch-size", "4",
            "--timesteps", "1,4,16", "--encoding", "rate" })
            info.ArgumentList.Add(a);
        info.Environment["SNNCONVERT"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "SnnConvert.Cli.dll")}";
        info.Environment["NO_COLOR"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); Assert.Fail("local-cluster.sh ran over 300 s"); }
        output.WriteLine(stdout.Result);
        output.WriteLine(stderr.Result);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr.Result}");
        Assert.Contains("merged result of 3 shards equals the single-process run", stdout.Result);
        Assert.Equal(File.ReadAllBytes(_dir.File("single.json")), File.ReadAllBytes(_dir.File("merged.json")));
        Assert.Equal(3, Directory.GetFiles(_dir.File("parts"), "part-*.json").Length);
    }

    public void Dispose() => _dir.Dispose();
}
