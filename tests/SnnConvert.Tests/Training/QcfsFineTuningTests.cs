using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

/// <summary>
/// Training QCFS networks with <see cref="Trainer"/> on MNIST: from scratch, and fine-tuning the bundled ReLU model
/// (<c>init</c>): its weights, thresholds from the first images of the seeded shuffle, deterministic; refusals.
/// </summary>
public sealed class QcfsFineTuningTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static TrainOptions Options(float lr = 1e-4f) => new(1, 50, "adam", lr, "constant", 10, 0.1f, 0f, 0.9f, false, false, Seed: 5);

    private static readonly ZooModel Mnist = ModelZoo.Find("mnist-seed")!;

    [Fact]
    public void Fine_tuning_the_bundled_ReLU_model_as_QCFS_starts_from_its_weights_and_fitted_thresholds_and_repeats_exactly()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(300);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        string init = RepositoryFiles.Path("models/mnist-seed.snnm");
        ZooModel qcfs = QcfsArchitecture.Swap(Mnist, 4, perChannel: true);
        var messages = new List<string>();
        SavedModel first = new Trainer(Options(), new TrainingPaths(_temp.File("a.snnm")), new Messages(messages)).Run(qcfs, train, test, false, "test", init);
        SavedModel second = new Trainer(Options(), new TrainingPaths(_temp.File("b.snnm")), null).Run(qcfs, train, test, false, "test", init);

        Assert.Equal(qcfs.Architecture, first.Network.Architecture);
        Assert.Equal(first.Network.StateTensors.Select(t => t.Value.Data), second.Network.StateTensors.Select(t => t.Value.Data));
        Assert.Equal(init, first.Training["start"]!["init"]!.GetValue<string>());
        Assert.Contains("least squared QCFS-ReLU error", first.Training["start"]!["thresholdInit"]!.GetValue<string>());
        double before = first.Training["start"]!["initialTestAccuracy"]!.GetValue<double>();
        double after = first.Training["testAccuracy"]!.GetValue<double>();
        Assert.True(before >= 95 && after >= 95, $"test accuracy {before:F2}% before and {after:F2}% after one epoch");
        Assert.Contains(messages, m => m.Contains("threshold 1: qcfs L=4 per-channel 12"));

        // The thresholds it started from: fitted on the first 256 images of epoch 0's shuffle (a learning rate of
        // 1e-12 moves nothing visible).
        SavedModel still = new Trainer(Options(lr: 1e-12f), new TrainingPaths(_temp.File("c.snnm")), null).Run(qcfs, train, test, false, "test", init);
        var (expected, fresh) = InitialWeights.Transfer(ModelFile.Load(init), init, qcfs);
        Assert.Equal([1, 5], fresh);
        int[] order = Permutation.Of(train.Count, SeedMixer.Random(5, RandomStreams.Shuffle, 0));
        QcfsThresholdInit.FromActivations(expected, fresh, train, order.AsSpan(0, 256));
        var want = QcfsArchitecture.Layers(expected).SelectMany(p => p.Layer.Threshold.Value.Data).ToArray();
        var have = QcfsArchitecture.Layers(still.Network).SelectMany(p => p.Layer.Threshold.Value.Data).ToArray();
        Assert.Equal(12 + 64, want.Length);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - have[i]) <= 1e-6 * want[i] && want[i] > 0, $"lambda [{i}]: {have[i]} against {want[i]}");
    }

    [Fact]
    public void A_QCFS_network_trained_from_scratch_learns_and_its_thresholds_move()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(1000);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        ZooModel qcfs = QcfsArchitecture.Swap(Mnist, 4, perChannel: false);
        var paths = new TrainingPaths(_temp.File("s.snnm"));
        SavedModel model = new Trainer(Options(lr: 1e-3f) with { Epochs = 2 }, paths, null).Run(qcfs, train, test, false, "test");
        Assert.True(model.Training["testAccuracy"]!.GetValue<double>() >= 70, model.Training.ToJsonString());
        SavedModel reloaded = ModelFile.Load(paths.Model);
        Assert.Equal(qcfs.Architecture, reloaded.Network.Architecture);
        Assert.NotNull(model.Training["start"]!["thresholdInit"]);
    }

    [Fact]
    public void An_initial_model_of_another_architecture_is_refused_naming_the_file_and_the_layer()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(100);
        string init = RepositoryFiles.Path("models/fmnist-net.snnm");   // also 1x28x28, 10 classes
        var e = Assert.Throws<InvalidSettingException>(() =>
            new Trainer(Options(), new TrainingPaths(_temp.File("x.snnm")), null).Run(QcfsArchitecture.Swap(Mnist, 4, false), train, train, false, "test", init));
        Assert.Equal(SettingNames.InitialModel, e.Setting);
        Assert.Contains(init, e.Message);
        Assert.Contains("layer 0 is \"normalize", e.Message);
    }

    [Fact]
    public void Resuming_with_another_activation_is_refused()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(100);
        var paths = new TrainingPaths(_temp.File("r.snnm"));
        new Trainer(Options(), paths, null).Run(Mnist, train, train, false, "test");
        var e = Assert.Throws<InvalidSettingException>(() =>
            new Trainer(Options(), paths, null).Run(QcfsArchitecture.Swap(Mnist, 4, false), train, train, true, "test"));
        Assert.Equal(SettingNames.Resume, e.Setting);
        Assert.Contains("layer 1 is \"relu\" there, \"qcfs L=4\" here", e.Message);
    }

    private sealed class Messages(List<string> lines) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochRecord record) { }
        public void OnMessage(string message) => lines.Add(message);
    }
}
