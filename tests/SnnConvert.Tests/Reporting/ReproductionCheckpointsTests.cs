using System.Text.Json;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Tests.Cli;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>
/// A reproduction started again after an interruption reuses the methods it had finished, and only when nothing
/// they depend on changed.
/// </summary>
public sealed class ReproductionCheckpointsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private sealed class Recorder : IReproductionObserver
    {
        public List<string> Calibrated { get; } = [];
        public List<string> Reused { get; } = [];
        public List<string> ConvertedLabels { get; } = [];
        public void Log(string message) { if (message.Contains("reused")) Reused.Add(message.Split(':')[0]); }
        public T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work) { Calibrated.Add(label); return work(null); }
        public T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work) => work(null);
        public void Converted(string label, SpikingNetwork snn, IReadOnlyList<string> warnings) => ConvertedLabels.Add(label);
    }

    [Fact]
    public void Finished_methods_are_reused_with_identical_results_and_recomputed_when_a_setting_or_the_file_changes()
    {
        SavedModel cnn = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(2000);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(50);
        var options = new ReproductionOptions(MethodVariant.Build(["max-current", "max-activation"], variants: false), [1, 4],
            InputEncoding.Direct, CalibrationSamples: 100, CalibrationSteps: 4);
        ReproductionReport Run(ReproductionOptions o, Recorder recorder) => ReproductionRun.Run(cnn, "m", "mnist", train, test, o, recorder,
            checkpoints: ReproductionCheckpoints.For(_temp.Path, cnn, "mnist", test.Count, train.Count, o));

        var first = new Recorder();
        ReproductionReport a = Run(options, first);
        Assert.Equal(["max-current", "max-activation"], first.Calibrated);
        Assert.Equal(["max-current", "max-activation"], first.ConvertedLabels);
        string folder = Path.Combine(_temp.Path, ReproductionCheckpoints.FolderName);
        Assert.Equal(2, Directory.GetFiles(folder, "*.json").Length);

        // As after a kill: the same command finds both methods; the results are the saved ones, timings included.
        var second = new Recorder();
        ReproductionReport b = Run(options, second);
        Assert.Empty(second.Calibrated);
        Assert.Empty(second.ConvertedLabels);
        Assert.Equal(["max-current", "max-activation"], second.Reused);
        Assert.Equal(JsonSerializer.Serialize(a.Methods, ReproductionReport.Json), JsonSerializer.Serialize(b.Methods, ReproductionReport.Json));
        // The report says so: the total is this run's time, without the reused methods'.
        Assert.Null(a.Run.ReusedMethods);
        Assert.Equal(2, b.Run.ReusedMethods);
        Assert.Contains("2 of the 2 methods were taken from its checkpoints", ReproductionMarkdown.Render(b, []));
        Assert.DoesNotContain("interrupted run", ReproductionMarkdown.Render(a, []));

        // A damaged file is computed again; another seed invalidates every file.
        File.WriteAllText(Directory.GetFiles(folder, "max-activation*.json").Single(), "{ not json");
        var third = new Recorder();
        Run(options, third);
        Assert.Equal(["max-activation"], third.Calibrated);
        var fourth = new Recorder();
        Run(options with { Seed = 2 }, fourth);
        Assert.Equal(["max-current", "max-activation"], fourth.Calibrated);

        ReproductionCheckpoints.For(_temp.Path, cnn, "mnist", test.Count, train.Count, options).Clear();
        Assert.False(Directory.Exists(folder));
    }
    // Stops the run (as a kill would) once a method's simulation has passed a given number of images.
    private sealed class Interrupter(string label, int images) : IReproductionObserver
    {
        public List<string> Calibrated { get; } = [];
        public List<string> Logs { get; } = [];
        public void Log(string message) => Logs.Add(message);
        public T Calibrating<T>(string l, Func<IProgress<CalibrationProgress>?, T> work) { Calibrated.Add(l); return work(null); }
        public T Simulating<T>(string l, int count, int steps, Func<IProgress<int>?, T> work) =>
            work(l == label ? new Stop(images) : null);

        private sealed class Stop(int images) : IProgress<int>
        {
            public void Report(int value) { if (value >= images) throw new OperationCanceledException("killed"); }
        }
    }

    [Fact]
    public void A_run_killed_within_a_method_goes_on_from_its_conversion_and_simulation_chunks_to_the_bits_of_one_pass()
    {
        SavedModel cnn = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(2000);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(100);
        var options = new ReproductionOptions(MethodVariant.Build(["max-current", "max-activation"], variants: false), [1, 4, 8],
            InputEncoding.Direct, CalibrationSamples: 100, CalibrationSteps: 4, BatchSize: 10);
        var checkpoints = ReproductionCheckpoints.For(_temp.Path, cnn, "mnist", test.Count, train.Count, options);
        string folder = Path.Combine(_temp.Path, ReproductionCheckpoints.FolderName);
        Assert.Equal(10, ChunkedSimulation.Ranges(test.Count, options.BatchSize).Count);

        // Killed in max-activation's simulation after 4 of its 10 chunks (each a batch of 10 images).
        var killed = new Interrupter("max-activation", 45);
        Assert.Throws<OperationCanceledException>(() => ReproductionRun.Run(cnn, "m", "mnist", train, test, options, killed, checkpoints: checkpoints));
        Assert.Equal(["max-current", "max-activation"], killed.Calibrated);
        Assert.Single(Directory.GetFiles(folder, "max-activation.conversion.snn"));
        Assert.Equal(4, Directory.GetFiles(folder, "max-activation.images-*.json").Length);
        Assert.Empty(Directory.GetFiles(folder, "max-current.images-*"));   // cleared once its result was saved

        // Started again: max-current from its result, max-activation from its conversion and 4 chunks; then nothing is left
        // but the two results, and the numbers are those of a run without checkpoints (one pass over the images).
        var resumed = new Interrupter("none", 0);
        ReproductionReport again = ReproductionRun.Run(cnn, "m", "mnist", train, test, options, resumed, checkpoints: checkpoints);
        Assert.Empty(resumed.Calibrated);
        Assert.Contains(resumed.Logs, l => l.StartsWith("max-activation: conversion reused", StringComparison.Ordinal));
        Assert.Equal(["max-activation.json", "max-current.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        ReproductionReport onePass = ReproductionRun.Run(cnn, "m", "mnist", train, test, options, new Recorder());
        string Numbers(ReproductionReport r) => JsonSerializer.Serialize(
            r.Methods.Select(m => new { m.Label, m.Thresholds, m.Warnings, m.Report }), ReproductionReport.Json);
        Assert.Equal(Numbers(onePass), Numbers(again));

        // A damaged chunk is simulated again rather than read.
        var killedAgain = new Interrupter("max-activation", 25);
        Assert.Throws<OperationCanceledException>(() => ReproductionRun.Run(cnn, "m", "mnist", train, test, options with { Seed = 3 }, killedAgain,
            checkpoints: ReproductionCheckpoints.For(_temp.Path, cnn, "mnist", test.Count, train.Count, options with { Seed = 3 })));
        string chunk = Directory.GetFiles(folder, "max-activation.images-0-10.json").Single();
        File.WriteAllText(chunk, "{ cut sho");
        var third = new Interrupter("none", 0);
        ReproductionReport seed3 = ReproductionRun.Run(cnn, "m", "mnist", train, test, options with { Seed = 3 }, third,
            checkpoints: ReproductionCheckpoints.For(_temp.Path, cnn, "mnist", test.Count, train.Count, options with { Seed = 3 }));
        Assert.Equal(Numbers(ReproductionRun.Run(cnn, "m", "mnist", train, test, options with { Seed = 3 }, new Recorder())), Numbers(seed3));
    }
}
