using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tests.Cli;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Crash safety: <c>train</c>, <c>convert</c> and <c>reproduce</c> are killed with SIGKILL at random moments, again
/// and again; after every kill each file in the output folder must load (or not exist), and a last uninterrupted
/// run must finish, leave no temporary file, and (for train with --resume) end with the weights of a run that was
/// never interrupted. SNNCONVERT_KILLS sets the kills per command (default 3, for CI; docs/reliability.md has a run
/// with many more) and SNNCONVERT_KILL_SEED the random moments.
/// </summary>
public sealed class KillSafetyTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private static readonly string SeedModel = RepositoryFiles.Path("models/mnist-seed.snnm");

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("SNNCONVERT_KILLS"), out int n) && n > 0 ? n : 3;

    private static Random Moments(int salt) =>
        new(int.TryParse(Environment.GetEnvironmentVariable("SNNCONVERT_KILL_SEED"), out int s) ? s + salt : 20261129 + salt);

    [Fact]
    public void Train_killed_at_random_moments_leaves_loadable_files_and_resumes_to_the_weights_of_an_uninterrupted_run()
    {
        string[] common = ["train", "--model", "mnist-seed", "--epochs", "2", "--train-limit", "1000", "--test-limit", "100", "--seed", "11",
            "--checkpoint-seconds", "0"];
        string straightDir = _temp.Sub("straight"), killedDir = _temp.Sub("killed");
        string straight = Path.Combine(straightDir, "m.snnm"), killed = Path.Combine(killedDir, "m.snnm");
        double seconds = RunToEnd([.. common, "--out", straight]);

        // Each killed run resumes from the last checkpoint (written after every batch here). A run that finished
        // before its kill starts the chain over (its checkpoint removed), so later kills still land mid-run.
        KillLoop([.. common, "--out", killed, "--resume"], killedDir, seconds, Moments(1),
            onFinished: () => File.Delete(new TrainingPaths(killed).Checkpoint));
        RunToEnd([.. common, "--out", killed, "--resume"]);
        CheckFolder(killedDir, final: true);

        var a = ModelFile.Load(straight).Network.StateTensors.ToList();
        var b = ModelFile.Load(killed).Network.StateTensors.ToList();
        Assert.Equal(a.Select(t => t.Name), b.Select(t => t.Name));
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.Data, b[i].Value.Data);
    }

    [Fact]
    public void Convert_killed_at_random_moments_leaves_no_damaged_snn_file()
    {
        string dir = _temp.Sub("convert"), snn = Path.Combine(dir, "s.snn");
        string[] args = ["convert", "--model", SeedModel, "--calib-samples", "300", "--calib-steps", "8", "--out", snn];
        RunToEnd(args);   // the first run also warms the file cache; the second's time bounds the kill moments
        double seconds = RunToEnd(args);
        KillLoop(args, dir, seconds, Moments(2));
        RunToEnd(args);
        CheckFolder(dir, final: true);
    }

    [Fact]
    public void Reproduce_killed_at_random_moments_leaves_only_complete_reports_plots_and_results()
    {
        string dir = _temp.Sub("reproduce");
        string[] args = ["reproduce", "--dataset", "mnist", "--model", SeedModel, "--methods", "max-current", "--variants", "false",
            "--calib-samples", "100", "--calib-steps", "8", "--timesteps", "1,2,4", "--limit", "100", "--out", dir];
        RunToEnd(args);
        double seconds = RunToEnd(args);
        KillLoop(args, dir, seconds, Moments(3));
        RunToEnd(args);
        CheckFolder(dir, final: true);
        Assert.True(File.Exists(Path.Combine(dir, "results.json")));
    }

    // Runs to completion and returns the wall time, which bounds the random kill moments.
    private double RunToEnd(string[] args)
    {
        var clock = Stopwatch.StartNew();
        var (code, _, err) = CliProcess.Run(600, args);
        Assert.True(code == 0, $"snnconvert {string.Join(" ", args)} exited {code}: {err}");
        return clock.Elapsed.TotalSeconds;
    }

    private void KillLoop(string[] args, string dir, double seconds, Random random, Action? onFinished = null)
    {
        int landed = 0;
        for (int k = 0; k < Kills; k++)
        {
            // Uniform over an uninterrupted run: start-up, loading, computing and the writes at the end.
            double at = random.NextDouble() * seconds;
            using (var process = Process.Start(CliProcess.StartInfo(args))!)
            {
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                bool exited = process.WaitForExit(TimeSpan.FromSeconds(at));
                if (!exited) process.Kill(entireProcessTree: true);   // SIGKILL on Linux
                process.WaitForExit();
                output.WriteLine($"kill {k + 1}: at {at:F2} s of {seconds:F1} s{(exited ? " (had already finished)" : "")}");
                if (exited) onFinished?.Invoke();
                else landed++;
            }
            CheckFolder(dir, final: false);
        }
        output.WriteLine($"{landed} of {Kills} kills landed while the command ran");
    }

    // Every file either loads or is the temporary file of an interrupted write (allowed only before the last run).
    private void CheckFolder(string dir, bool final)
    {
        // reproduce's finished methods: each file complete JSON (or a temporary file), all gone after a complete run.
        string partial = Path.Combine(dir, SnnConvert.Reporting.ReproductionCheckpoints.FolderName);
        Assert.False(final && Directory.Exists(partial), "the reproduce checkpoints were left after a complete run");
        foreach (string path in Directory.Exists(partial) ? Directory.GetFiles(partial) : [])
        {
            if (AtomicFile.IsTemporary(Path.GetFileName(path))) continue;
            if (path.EndsWith(".snn", StringComparison.Ordinal)) SnnFile.Load(path);   // a method's conversion, kept while it is simulated
            else using (JsonDocument.Parse(File.ReadAllBytes(path))) { }
        }
        foreach (string path in Directory.GetFiles(dir))
        {
            string name = Path.GetFileName(path);
            if (AtomicFile.IsTemporary(name))
            {
                Assert.False(final, $"{name}: temporary file left after a complete run");
                output.WriteLine($"  leftover {name}");
                continue;
            }
            switch (Path.GetExtension(name))
            {
                case ".snnm": ModelFile.Load(path); break;
                case ".ckpt": TrainingCheckpoint.Load(path); break;
                case ".snn": SnnFile.Load(path); break;
                case ".json": using (JsonDocument.Parse(File.ReadAllBytes(path))) { } break;
                case ".png": CheckPng(path); break;
                case ".md": CheckMarkdown(path); break;
                default: Assert.Fail($"{name}: unexpected file in the output folder"); break;
            }
        }
    }

    private static void CheckPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]), $"{path}: no PNG signature");
        Assert.True(bytes.AsSpan(bytes.Length - 8, 4).SequenceEqual("IEND"u8), $"{path}: does not end with the IEND chunk (cut short)");
    }

    private static void CheckMarkdown(string path)
    {
        string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
        Assert.StartsWith("# ", text);
        Assert.EndsWith("\n", text);
    }
}
