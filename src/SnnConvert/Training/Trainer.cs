using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>
/// Mini-batch training with per-epoch evaluation, best/last model files and resumable checkpoints.
/// Randomness: initialisation, each epoch's shuffle, each batch's augmentation and dropout use
/// separate seeds derived from <see cref="TrainOptions.Seed"/>, so a resumed run is identical to an
/// uninterrupted one.
/// </summary>
public sealed class Trainer(TrainOptions options, TrainingPaths paths, ITrainingObserver? observer = null)
{
    /// <summary>Trains <paramref name="zoo"/> (fresh, or from the checkpoint when <paramref name="resume"/> and it exists).</summary>
    /// <param name="zoo">Architecture to train.</param>
    /// <param name="train">Training images.</param>
    /// <param name="test">Test images, evaluated after every epoch.</param>
    /// <param name="resume">Continue from <see cref="TrainingPaths.Checkpoint"/> when it exists.</param>
    /// <param name="command">The command line, stored in the model's metadata.</param>
    /// <param name="init">
    /// A model file to fine-tune (a new run starts from its weights, <see cref="InitialWeights.Transfer"/>: its architecture must
    /// be <paramref name="zoo"/>'s up to the activations), or null to start from random weights. QCFS thresholds it does not
    /// hold are set by <see cref="QcfsThresholdInit"/> from the first <see cref="QcfsThresholdInit.DefaultImages"/> images of
    /// the first epoch's shuffle, as are all of a new run's QCFS thresholds (at its random weights). Ignored when resuming
    /// from a checkpoint (which holds the run's weights).
    /// </param>
    /// <returns>The trained model as saved to <see cref="TrainingPaths.Model"/>.</returns>
    /// <exception cref="InvalidSettingException">An option is invalid, the checkpoint was made with other options or another
    /// architecture, or <paramref name="init"/> does not fit <paramref name="zoo"/>.</exception>
    public SavedModel Run(ZooModel zoo, ImageDataset train, ImageDataset test, bool resume, string command, string? init = null)
    {
        options.Validate();
        Network network;
        TrainingState state;
        IReadOnlyList<int> newThresholds = [];
        IOptimizer optimizer = options.CreateOptimizer();
        var start = new JsonObject();   // how the run's weights and thresholds started, kept in the model's metadata
        bool resumed = resume && File.Exists(paths.Checkpoint);
        if (resumed)
        {
            var checkpoint = TrainingCheckpoint.Load(paths.Checkpoint);
            if (checkpoint.Options with { CheckpointSeconds = options.CheckpointSeconds } != options)
                throw new InvalidSettingException(SettingNames.Resume, $"{paths.Checkpoint}: the checkpoint was made with other options ({Describe(checkpoint.Options)}); resume with the same options or start a new run without resuming");
            network = checkpoint.Model.Network;
            if (ArchitectureDifference(network.Architecture, zoo.Architecture) is { } difference)
                throw new InvalidSettingException(SettingNames.Resume, $"{paths.Checkpoint}: the checkpoint holds another architecture than {zoo.Name} as asked ({difference}); resume with the same {SettingReference.To(SettingNames.Activation)} and {SettingReference.To(SettingNames.QuantisationLevels)} or start a new run without resuming");
            if (checkpoint.Model.Training["start"] is JsonObject started) start = started.DeepClone().AsObject();
            TrainingCheckpoint.RestoreOptimizer(paths.Checkpoint, optimizer, network, checkpoint);
            state = checkpoint.State;
            observer?.OnMessage($"resuming from {paths.Checkpoint}: epoch {state.Epoch + 1}, batch {state.Batch}" +
                (init is null ? "" : $" ({init} is not read: the checkpoint holds the run's weights)"));
        }
        else
        {
            if (resume) observer?.OnMessage($"no checkpoint at {paths.Checkpoint}; starting a new run");
            (network, newThresholds) = NewRun(zoo, init, start);
            state = TrainingState.Start;
        }
        Evaluator.CheckCompatible(network, train);
        Evaluator.CheckCompatible(network, test);
        if (!resumed) StartThresholds(network, newThresholds, train, start);
        if (init is not null && !resumed)
        {
            double accuracy = Evaluator.Evaluate(network, test).AccuracyPercent;
            start["initialTestAccuracy"] = accuracy;
            observer?.OnMessage($"{zoo.Name} from {init}: test accuracy {accuracy:F2}% before training");
        }
        return Train(network, zoo.Dataset, train, test, optimizer, state, command, start);
    }

    // The network of a new run: random weights or those of the model file to fine-tune, and the QCFS layers whose
    // thresholds neither holds.
    private (Network Network, IReadOnlyList<int> NewThresholds) NewRun(ZooModel zoo, string? init, JsonObject start)
    {
        if (init is not null)
        {
            start["init"] = init;
            return InitialWeights.Transfer(ModelFile.Load(init), init, zoo);
        }
        Network network = zoo.Build(SeedMixer.Random(options.Seed, RandomStreams.Init));
        return (network, QcfsArchitecture.Layers(network).Select(p => p.Index).ToArray());
    }

    // A new run's QCFS thresholds that neither the random start nor the model file set, from activation statistics
    // (the training set already checked against the network).
    private void StartThresholds(Network network, IReadOnlyList<int> newThresholds, ImageDataset train, JsonObject start)
    {
        if (newThresholds.Count > 0)
        {
            // The first images of the first epoch's shuffle: the run's first batches, fixed by the seed.
            int[] order = Permutation.Of(train.Count, SeedMixer.Random(options.Seed, RandomStreams.Shuffle, 0));
            int images = Math.Min(QcfsThresholdInit.DefaultImages, train.Count);
            QcfsThresholdInit.FromActivations(network, newThresholds, train, order.AsSpan(0, images));
            start["thresholdInit"] = $"least squared QCFS-ReLU error over the positive inputs of {images} training images, layers {string.Join(", ", newThresholds)}";
        }
        foreach (string line in QcfsArchitecture.DescribeThresholds(network)) observer?.OnMessage($"threshold {line}");
    }

    // The first layer where two architectures differ, as text, or null when they are the same.
    private static string? ArchitectureDifference(IReadOnlyList<LayerSpec> have, IReadOnlyList<LayerSpec> want) =>
        ArchitectureComparison.FirstDifference(have, want) switch
        {
            null => null,
            int i when i < Math.Min(have.Count, want.Count) => $"layer {i} is \"{have[i].Describe()}\" there, \"{want[i].Describe()}\" here",
            _ => $"{have.Count} layers there, {want.Count} here",
        };

    private SavedModel Train(Network network, string dataset, ImageDataset train, ImageDataset test, IOptimizer optimizer, TrainingState state, string command, JsonObject runStart)
    {
        var schedule = LearningRateSchedule.Create(options.Schedule, options.LearningRate, options.Epochs, options.StepEpochs, options.Gamma);
        var augment = options.Augment ? new RandomCropFlip(4) : null;
        var cutout = options.Cutout > 0 ? new Cutout(options.Cutout) : null;
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        IReadOnlyList<Parameter> parameters = network.Parameters;
        var history = state.History.ToList();
        SavedModel Snapshot(double? testAccuracy, double seconds) => new(network, dataset, train.ClassNames,
            Metadata(command, train, history, seconds, testAccuracy, runStart));
        var sinceCheckpoint = Stopwatch.StartNew();

        for (int epoch = state.Epoch; epoch < options.Epochs; epoch++)
        {
            int[] order = Permutation.Of(train.Count, SeedMixer.Random(options.Seed, RandomStreams.Shuffle, epoch));
            double lossSum = state.LossSum, epochSeconds = state.EpochSeconds;
            int correct = state.Correct, seen = state.Seen, seenAtStart = seen;
            var clock = Stopwatch.StartNew();
            float lr = schedule.At(epoch, state.Batch, batches);
            for (int b = state.Batch; b < batches; b++)
            {
                int start = b * options.BatchSize, count = Math.Min(options.BatchSize, train.Count - start);
                var (images, labels) = BatchLoader.Load(train, order.AsSpan(start, count));
                Random augmentRandom = SeedMixer.Random(options.Seed, RandomStreams.Augment, epoch, b);
                augment?.Apply(images.Span, count, train.Channels, train.Height, train.Width, augmentRandom);
                cutout?.Apply(images.Span, count, train.Channels, train.Height, train.Width, augmentRandom);   // draws after crop and flip
                // Logits and gradients are read only within this step, so layers may reuse last step's arrays.
                var context = new ForwardContext(true, SeedMixer.Random(options.Seed, RandomStreams.Dropout, epoch, b)) { ReuseBuffers = true };
                Tensor logits = network.Forward(images, context);
                var grad = new Tensor(logits.Shape);
                float loss = SoftmaxCrossEntropy.Compute(logits, labels, grad, options.LabelSmoothing);
                if (!float.IsFinite(loss))
                    throw new InvalidOperationException($"training diverged: loss is {loss} at epoch {epoch + 1}, batch {b}; lower {SettingReference.To(SettingNames.LearningRate)}");
                network.ZeroGrad();
                network.Backward(grad);
                lr = schedule.At(epoch, b, batches);
                optimizer.Step(parameters, lr);
                foreach (Layer layer in network.Layers) (layer as QcfsLayer)?.KeepThresholdsPositive();
                lossSum += loss * count;
                correct += Evaluator.CountCorrect(logits, labels);
                seen += count;
                double elapsed = clock.Elapsed.TotalSeconds;
                if (sinceCheckpoint.Elapsed.TotalSeconds >= options.CheckpointSeconds && b + 1 < batches)
                {
                    var mid = new TrainingState(epoch, b + 1, lossSum, correct, seen, epochSeconds + elapsed, state.TotalSeconds + elapsed, state.BestAccuracy, history);
                    TrainingCheckpoint.Save(paths.Checkpoint, Snapshot(null, mid.TotalSeconds), optimizer, options, mid);
                    sinceCheckpoint.Restart();
                }
                observer?.OnBatch(new BatchProgress(epoch + 1, options.Epochs, b + 1, batches, lossSum / seen, (seen - seenAtStart) / Math.Max(elapsed, 1e-9)));
            }
            double trainSeconds = clock.Elapsed.TotalSeconds;
            EvaluationResult eval = Evaluator.Evaluate(network, test);
            var record = new EpochRecord(epoch + 1, lossSum / Math.Max(1, seen), 100.0 * correct / Math.Max(1, seen), eval.Loss, eval.AccuracyPercent, lr, epochSeconds + trainSeconds);
            history.Add(record);
            double total = state.TotalSeconds + trainSeconds;
            double best = state.BestAccuracy;
            SavedModel snapshot = Snapshot(eval.AccuracyPercent, total);
            if (eval.AccuracyPercent > best)
            {
                best = eval.AccuracyPercent;
                ModelFile.Save(paths.Best, snapshot);
            }
            ModelFile.Save(paths.Model, snapshot);
            state = new TrainingState(epoch + 1, 0, 0, 0, 0, 0, total, best, history);
            TrainingCheckpoint.Save(paths.Checkpoint, snapshot, optimizer, options, state);
            sinceCheckpoint.Restart();
            observer?.OnEpoch(record);
        }
        return ModelFile.Load(paths.Model);
    }

    private JsonObject Metadata(string command, ImageDataset train, List<EpochRecord> history, double seconds, double? testAccuracy, JsonObject start)
    {
        var metadata = new JsonObject
        {
            ["command"] = command,
            ["options"] = JsonSerializer.SerializeToNode(options),
            ["trainImages"] = train.Count,
            ["epochsDone"] = history.Count,
            ["wallSeconds"] = Math.Round(seconds, 1),
            ["testAccuracy"] = testAccuracy,
            ["history"] = JsonSerializer.SerializeToNode(history),
            ["blas"] = Blas.Gemm.Name,
            ["processors"] = Environment.ProcessorCount,
        };
        if (start.Count > 0) metadata["start"] = start.DeepClone();   // a ReLU run from random weights records nothing new
        return metadata;
    }

    private static string Describe(TrainOptions o) =>
        $"epochs {o.Epochs}, batch {o.BatchSize}, {o.Optimizer} lr {o.LearningRate} {o.Schedule}, wd {o.WeightDecay}, seed {o.Seed}, augment {o.Augment}, cutout {o.Cutout}, label smoothing {o.LabelSmoothing}";
}
