using System.Diagnostics;
using SnnConvert.Cli.Commands;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Cli;

/// <summary>The snnconvert command as a user runs it: outputs, exit codes, kill and resume.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string _dir => _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Docs_models_md_holds_the_current_zoo_tables()
    {
        string docs = File.ReadAllText(RepositoryFiles.Path("docs/models.md")).ReplaceLineEndings("\n");
        Assert.Contains(ModelsCommand.ZooMarkdown().ReplaceLineEndings("\n"), docs);
    }

    [Fact]
    public void Unknown_command_and_bad_option_values_exit_with_the_usage_code()
    {
        Assert.Equal(2, CliProcess.Run(60, "no-such-command").ExitCode);
        var (code, _, err) = CliProcess.Run(60, "train", "--model", "mnist-seed", "--out", Path.Combine(_dir, "m.snnm"), "--epochs", "0");
        Assert.Equal(2, code);
        Assert.Contains("--epochs", err);
    }

    [Fact]
    public void Eval_prints_the_accuracy_the_library_computes()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(1000);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null);
        var paths = new TrainingPaths(Path.Combine(_dir, "m.snnm"));
        var options = new TrainOptions(1, 50, "adam", 1e-3f, "constant", 10, 0.1f, 0f, 0.9f, false, false, 3);
        SavedModel model = new Trainer(options, paths, null).Run(ModelZoo.Find("mnist-seed")!, train, test.Take(100), false, "test");
        double expected = Evaluator.Evaluate(model.Network, test.Take(500)).AccuracyPercent;

        var (code, stdout, _) = CliProcess.Run(120, "eval", "--model", paths.Model, "--limit", "500");

        Assert.Equal(0, code);
        Assert.Contains($"accuracy: {expected:F2}%", stdout);
    }

    [Fact]
    public void Convert_then_simulate_writes_one_JSON_record_per_requested_T()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), snn = Path.Combine(_dir, "s.snn"), json = Path.Combine(_dir, "r.json");
        var convert = CliProcess.Run(300, "convert", "--model", model, "--method", "max-current", "--out", snn, "--calib-samples", "200", "--calib-steps", "16");
        Assert.True(convert.ExitCode == 0, convert.Err);
        var simulate = CliProcess.Run(300, "simulate", "--snn", snn, "--model", model, "--limit", "100", "--timesteps", "16,1,4", "--json", json);
        Assert.True(simulate.ExitCode == 0, simulate.Err);

        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json));
        var report = doc.RootElement.GetProperty("report");
        var rows = report.GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal([1, 4, 16], rows.Select(r => r.GetProperty("T").GetInt32()));
        double cnn = report.GetProperty("cnnAccuracy").GetDouble();
        foreach (var row in rows)
        {
            double accuracy = row.GetProperty("accuracy").GetDouble();
            Assert.InRange(accuracy, 0, 100);
            Assert.Equal(cnn - accuracy, row.GetProperty("conversionLoss").GetDouble(), 9);
        }
        Assert.True(rows[^1].GetProperty("synOpsPerImage").GetDouble() > rows[0].GetProperty("synOpsPerImage").GetDouble());
        Assert.Contains("accuracy %", simulate.Out);
    }

    [Fact]
    public void Convert_with_a_chosen_readout_delay_records_it_and_simulate_says_what_it_does()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), snn = Path.Combine(_dir, "d.snn");
        var convert = CliProcess.Run(300, "convert", "--model", model, "--out", snn, "--calib-samples", "100", "--target-T", "4", "--readout-delay", "auto");
        Assert.True(convert.ExitCode == 0, convert.Err);
        SnnConvert.Snn.SpikingNetwork net = SnnConvert.Snn.SnnFile.Load(snn);
        SnnConvert.Snn.ReadoutDelayRecord record = net.Conversion.ReadoutDelay!;
        Assert.Equal(record.Delay, net.ReadoutDelay);
        Assert.Equal(4, record.Errors.Count);
        Assert.Contains($"readout delay: {record.Delay} of 4 steps", convert.Out);

        string fixedDelay = Path.Combine(_dir, "f.snn");
        Assert.Equal(0, CliProcess.Run(300, "convert", "--model", model, "--out", fixedDelay, "--calib-samples", "100", "--readout-delay", "3").ExitCode);
        var simulate = CliProcess.Run(300, "simulate", "--snn", fixedDelay, "--limit", "50", "--timesteps", "2,4");
        Assert.True(simulate.ExitCode == 0, simulate.Err);
        Assert.Contains("integrates from step 4 on", simulate.Out);

        var (code, _, err) = CliProcess.Run(60, "convert", "--model", model, "--out", snn, "--readout-delay", "auto");
        Assert.Equal(2, code);
        Assert.Contains("--target-T", err);
    }

    [Fact]
    public void Simulate_rejects_a_missing_file_and_zero_timesteps()
    {
        var (code, _, err) = CliProcess.Run(60, "simulate", "--snn", Path.Combine(_dir, "none.snn"));
        Assert.Equal(5, code);
        Assert.Contains("none.snn", err);
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), snn = Path.Combine(_dir, "s.snn");
        Assert.Equal(0, CliProcess.Run(300, "convert", "--model", model, "--out", snn, "--calib-samples", "50", "--calib-steps", "4").ExitCode);
        (code, _, err) = CliProcess.Run(60, "simulate", "--snn", snn, "--timesteps", "0,4");
        Assert.Equal(2, code);
        Assert.Contains("--timesteps", err);
    }

    [Fact]
    public void Corrupt_model_file_exits_with_the_model_format_code_and_names_the_file()
    {
        string path = Path.Combine(_dir, "broken.snnm");
        File.WriteAllBytes(path, "SNNM\u0001\u0000\u0000\u0000garbage-garbage-garbage-garbage-garbage-garbage"u8.ToArray());
        var (code, _, err) = CliProcess.Run(60, "eval", "--model", path, "--dataset", "mnist");
        Assert.Equal(5, code);
        Assert.Contains(path, err);
    }

    [Fact]
    public void Model_for_another_dataset_exits_with_the_mismatch_code()
    {
        string path = Path.Combine(_dir, "mnist.snnm");
        Network net = ModelZoo.Find("mnist-seed")!.Build(new Random(1));
        ModelFile.Save(path, new SavedModel(net, "mnist", Enumerable.Range(0, 10).Select(i => $"{i}").ToArray(), new()));
        var (code, _, err) = CliProcess.Run(60, "eval", "--model", path, "--dataset", "cifar10", "--limit", "10");
        Assert.Equal(7, code);
        Assert.Contains("[1, 28, 28]", err);
    }

    [Fact]
    public void Train_killed_with_SIGKILL_resumes_from_its_checkpoint_and_ends_like_an_uninterrupted_run()
    {
        string[] common = ["train", "--model", "mnist-seed", "--epochs", "2", "--train-limit", "1500", "--test-limit", "200", "--seed", "5", "--checkpoint-seconds", "0"];
        string straight = Path.Combine(_dir, "straight.snnm"), killed = Path.Combine(_dir, "killed.snnm");
        Assert.Equal(0, CliProcess.Run(300, [.. common, "--out", straight]).ExitCode);

        // Kill the second run once it has written a checkpoint inside the first epoch.
        using (var process = Process.Start(CliProcess.StartInfo([.. common, "--out", killed]))!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            string checkpoint = new TrainingPaths(killed).Checkpoint;
            var clock = Stopwatch.StartNew();
            while (!File.Exists(checkpoint) && clock.Elapsed.TotalSeconds < 120 && !process.HasExited) Thread.Sleep(20);
            Assert.True(File.Exists(checkpoint), "no checkpoint appeared");
            process.Kill(entireProcessTree: true);   // SIGKILL on Linux
            process.WaitForExit();
        }
        var state = TrainingCheckpoint.Load(new TrainingPaths(killed).Checkpoint).State;
        Assert.True(state.Epoch < 2, "the run finished before it was killed; nothing was resumed");

        var (code, _, err) = CliProcess.Run(300, [.. common, "--out", killed, "--resume"]);
        Assert.Equal(0, code);
        Assert.Contains("resuming from", err);
        var a = ModelFile.Load(straight).Network.StateTensors.ToList();
        var b = ModelFile.Load(killed).Network.StateTensors.ToList();
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.Data, b[i].Value.Data);
    }
}
