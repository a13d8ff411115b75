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
}
