using System.Diagnostics;
using System.Text.RegularExpressions;
using SnnConvert.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Bounded memory: simulation and calibration stream over the images in batches and accumulate statistics per
/// step instead of storing them per image, so the peak memory of <c>simulate</c> is the same for T = 64 and T = 1024
/// and for 100 or 1000 images, and that of <c>convert</c> the same for 100 or 2000 calibration images. Measured in
/// child processes through SNNCONVERT_PEAK_MEMORY (peak resident set); docs/reliability.md has the full-size figures.
/// </summary>
public sealed partial class MemoryBoundTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static readonly string SeedModel = RepositoryFiles.Path("models/mnist-seed.snnm");

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Peak_memory_does_not_grow_with_T_the_number_of_test_images_or_of_calibration_images()
    {
        string snn = _temp.File("s.snn");
        long calibSmall = PeakMiB("convert", "--model", SeedModel, "--calib-samples", "100", "--calib-steps", "8", "--out", _temp.File("small.snn"));
        long calibLarge = PeakMiB("convert", "--model", SeedModel, "--calib-samples", "2000", "--calib-steps", "8", "--out", snn);
        long t64 = PeakMiB("simulate", "--snn", snn, "--limit", "100", "--timesteps", "64");
        long t1024 = PeakMiB("simulate", "--snn", snn, "--limit", "100", "--timesteps", "1024");
        long many = PeakMiB("simulate", "--snn", snn, "--limit", "1000", "--timesteps", "64");

        AssertFlat("convert, 100 -> 2000 calibration images", calibSmall, calibLarge);
        AssertFlat("simulate, T = 64 -> 1024", t64, t1024);
        AssertFlat("simulate, 100 -> 1000 images", t64, many);
    }

    // A run's peak beside another's: the same up to GC timing (25 % and 48 MiB of slack). Storing anything per step
    // or per image (1024 steps of one batch's activations alone are gigabytes) would exceed it many times over.
    private void AssertFlat(string what, long baseline, long measured)
    {
        output.WriteLine($"{what}: {baseline} MiB -> {measured} MiB");
        Assert.True(measured <= baseline * 1.25 + 48, $"{what}: peak memory grew from {baseline} MiB to {measured} MiB");
    }

    private long PeakMiB(params string[] args)
    {
        ProcessStartInfo info = CliProcess.StartInfo(args);
        info.Environment["SNNCONVERT_PEAK_MEMORY"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string err = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"snnconvert {string.Join(" ", args)} exited {process.ExitCode}: {err}");
        Match m = PeakLine().Match(err);
        Assert.True(m.Success, $"no peak memory line in: {err}");
        output.WriteLine($"{string.Join(" ", args.Where(a => !a.Contains('/')))}: {m.Value} ({clock.Elapsed.TotalSeconds:F1} s)");
        return long.Parse(m.Groups[1].Value);
    }

    [GeneratedRegex(@"peak memory: working set (\d+) MiB, allocated (\d+) MiB in total")]
    private static partial Regex PeakLine();
}
