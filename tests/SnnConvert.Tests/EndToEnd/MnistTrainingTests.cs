using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.EndToEnd;

/// <summary>Short real training runs on MNIST (the dataset is found through the locator, as in CI).</summary>
public sealed class MnistTrainingTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string _dir => _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static TrainOptions Options(int epochs) =>
        new(epochs, 50, "adam", 1e-3f, "constant", 10, 0.1f, 0f, 0.9f, false, false, Seed: 7);

    [Fact]
    public void Mnist_seed_reaches_90_percent_after_a_few_thousand_images()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(5000);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(1000);
        ZooModel zoo = ModelZoo.Find("mnist-seed")!;
        var paths = new TrainingPaths(Path.Combine(_dir, "m.snnm"));

        SavedModel model = new Trainer(Options(epochs: 3), paths, null).Run(zoo, train, test, resume: false, "test");

        EvaluationResult result = Evaluator.Evaluate(ModelFile.Load(paths.Model).Network, test);
        Assert.True(result.AccuracyPercent >= 90.0, $"accuracy {result.AccuracyPercent:F2}% after 3 epochs of 5000 images");
        Assert.Equal(result.AccuracyPercent, model.Training["testAccuracy"]!.GetValue<double>(), 6);
        Assert.True(File.Exists(paths.Best) && File.Exists(paths.Checkpoint));
    }

    [Fact]
    public void Resuming_from_an_epoch_checkpoint_gives_the_same_weights_as_an_uninterrupted_run()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(600);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(200);
        ZooModel zoo = ModelZoo.Find("mnist-seed")!;

        var straight = new TrainingPaths(Path.Combine(_dir, "straight.snnm"));
        new Trainer(Options(epochs: 2), straight, null).Run(zoo, train, test, resume: false, "test");

        // The interrupted run: one epoch, then the checkpoint is resumed with the full option set.
        var interrupted = new TrainingPaths(Path.Combine(_dir, "interrupted.snnm"));
        new Trainer(Options(epochs: 2), interrupted, new StopAfterEpochs(1)).RunCatchingStop(zoo, train, test);
        Assert.True(File.Exists(interrupted.Checkpoint));
        new Trainer(Options(epochs: 2), interrupted, null).Run(zoo, train, test, resume: true, "test");

        var a = ModelFile.Load(straight.Model).Network.StateTensors.ToList();
        var b = ModelFile.Load(interrupted.Model).Network.StateTensors.ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.Data, b[i].Value.Data);
    }

    [Fact]
    public void Resuming_from_a_mid_epoch_checkpoint_gives_the_same_weights_as_an_uninterrupted_run()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(600);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(200);
        ZooModel zoo = ModelZoo.Find("mnist-seed")!;
        // CheckpointSeconds = 0: a checkpoint after every batch, so stopping after batch 5 leaves one mid-epoch at batch 5.
        TrainOptions options = Options(epochs: 1) with { CheckpointSeconds = 0 };

        var straight = new TrainingPaths(Path.Combine(_dir, "straight.snnm"));
        new Trainer(options, straight, null).Run(zoo, train, test, resume: false, "test");
        var interrupted = new TrainingPaths(Path.Combine(_dir, "interrupted.snnm"));
        new Trainer(options, interrupted, new StopAfterBatches(5)).RunCatchingStop(zoo, train, test);
        var checkpoint = TrainingCheckpoint.Load(interrupted.Checkpoint);
        Assert.Equal((0, 5), (checkpoint.State.Epoch, checkpoint.State.Batch));
        new Trainer(options, interrupted, null).Run(zoo, train, test, resume: true, "test");

        var a = ModelFile.Load(straight.Model).Network.StateTensors.ToList();
        var b = ModelFile.Load(interrupted.Model).Network.StateTensors.ToList();
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.Data, b[i].Value.Data);
    }

    [Fact]
    public void Cutout_and_label_smoothing_change_the_weights_and_resume_bit_for_bit()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(600);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(200);
        ZooModel zoo = ModelZoo.Find("mnist-seed")!;
        TrainOptions plain = Options(epochs: 1) with { CheckpointSeconds = 0, Augment = true };
        TrainOptions options = plain with { Cutout = 8, LabelSmoothing = 0.1f };

        var reference = new TrainingPaths(Path.Combine(_dir, "plain.snnm"));
        new Trainer(plain, reference, null).Run(zoo, train, test, resume: false, "test");
        var straight = new TrainingPaths(Path.Combine(_dir, "straight.snnm"));
        new Trainer(options, straight, null).Run(zoo, train, test, resume: false, "test");
        var interrupted = new TrainingPaths(Path.Combine(_dir, "interrupted.snnm"));
        new Trainer(options, interrupted, new StopAfterBatches(5)).RunCatchingStop(zoo, train, test);
        Assert.Equal(options, TrainingCheckpoint.Load(interrupted.Checkpoint).Options with { CheckpointSeconds = 0 });
        new Trainer(options, interrupted, null).Run(zoo, train, test, resume: true, "test");

        var p = ModelFile.Load(reference.Model).Network.StateTensors.ToList();
        var a = ModelFile.Load(straight.Model).Network.StateTensors.ToList();
        var b = ModelFile.Load(interrupted.Model).Network.StateTensors.ToList();
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].Value.Data, b[i].Value.Data);
        Assert.Contains(Enumerable.Range(0, a.Count), i => !a[i].Value.Data.AsSpan().SequenceEqual(p[i].Value.Data));
    }

    [Fact]
    public void Options_stored_before_cutout_and_label_smoothing_existed_read_as_both_off()
    {
        // A checkpoint header of the earlier format: the options object without the two fields.
        const string old = """{"epochs":8,"batchSize":128,"optimizer":"sgd","learningRate":0.01,"schedule":"cosine","stepEpochs":10,"gamma":0.1,"weightDecay":0.0005,"momentum":0.9,"nesterov":true,"augment":true,"seed":1,"checkpointSeconds":120}""";
        var read = System.Text.Json.JsonSerializer.Deserialize<TrainOptions>(old,
            new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase })!;
        Assert.Equal(new TrainOptions(8, 128, "sgd", 0.01f, "cosine", 10, 0.1f, 0.0005f, 0.9f, true, true, 1), read);
        Assert.Equal((0, 0f), (read.Cutout, read.LabelSmoothing));
    }

    /// <summary>Simulates a kill: throws from the observer after the given number of epochs.</summary>
    private sealed class StopAfterEpochs(int epochs) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) { }
        public void OnEpoch(EpochRecord record) { if (record.Epoch >= epochs) throw new StopTraining(); }
        public void OnMessage(string message) { }
    }

    /// <summary>Simulates a kill after the given number of batches (and their checkpoints).</summary>
    private sealed class StopAfterBatches(int batches) : ITrainingObserver
    {
        public void OnBatch(BatchProgress progress) { if (progress.Batch >= batches) throw new StopTraining(); }
        public void OnEpoch(EpochRecord record) { }
        public void OnMessage(string message) { }
    }
}

/// <summary>Thrown by test observers to stop a run the way a kill would.</summary>
internal sealed class StopTraining : Exception;

internal static class TrainerTestExtensions
{
    public static void RunCatchingStop(this Trainer trainer, ZooModel zoo, ImageDataset train, ImageDataset test)
    {
        try { trainer.Run(zoo, train, test, resume: false, "test"); }
        catch (StopTraining) { }
    }
}
