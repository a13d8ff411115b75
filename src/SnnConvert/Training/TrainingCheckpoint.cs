using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>Where a run stands: the next epoch and batch to run, and what has been accumulated so far.</summary>
/// <param name="Epoch">0-based epoch in progress.</param>
/// <param name="Batch">Next batch to run within that epoch.</param>
/// <param name="LossSum">Sum of batch losses times batch sizes so far in the epoch.</param>
/// <param name="Correct">Correct training predictions so far in the epoch.</param>
/// <param name="Seen">Training images seen so far in the epoch.</param>
/// <param name="EpochSeconds">Training wall time spent in the epoch so far.</param>
/// <param name="TotalSeconds">Training wall time over all epochs so far.</param>
/// <param name="BestAccuracy">Best test accuracy of a finished epoch.</param>
/// <param name="History">Finished epochs.</param>
public sealed record TrainingState(int Epoch, int Batch, double LossSum, int Correct, int Seen, double EpochSeconds, double TotalSeconds,
    double BestAccuracy, IReadOnlyList<EpochRecord> History)
{
    /// <summary>The state of a run that has not started.</summary>
    public static TrainingState Start { get; } = new(0, 0, 0, 0, 0, 0, 0, double.NegativeInfinity, []);
}

/// <summary>
/// Resumable checkpoint: a <see cref="TensorContainer"/> of kind "checkpoint" holding the model (as a model
/// file does), the optimiser's state tensors ("optim.*"), the options and the <see cref="TrainingState"/>.
/// </summary>
public static class TrainingCheckpoint
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes the checkpoint atomically.</summary>
    public static void Save(string path, SavedModel model, IOptimizer optimizer, TrainOptions options, TrainingState state)
    {
        JsonObject header = ModelFile.Header(model);
        header["options"] = JsonSerializer.SerializeToNode(options, Json);
        header["state"] = JsonSerializer.SerializeToNode(state with { BestAccuracy = double.IsFinite(state.BestAccuracy) ? state.BestAccuracy : -1 }, Json);
        header["optimizerSteps"] = optimizer.Steps;
        var tensors = model.Network.StateTensors
            .Concat(optimizer.State(model.Network.Parameters).Select(t => ("optim." + t.Name, t.Value)));
        TensorContainer.Save(path, "checkpoint", header, tensors);
    }

    /// <summary>A loaded checkpoint.</summary>
    public sealed record Loaded(SavedModel Model, TrainOptions Options, TrainingState State, long OptimizerSteps,
        IReadOnlyDictionary<string, Tensor> OptimizerState);

    /// <summary>Loads and verifies a checkpoint.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid checkpoint.</exception>
    public static Loaded Load(string path)
    {
        var contents = TensorContainer.Load(path);
        if (contents.Kind != "checkpoint")
            throw new ModelFormatException($"{path}: file kind is \"{contents.Kind}\", expected \"checkpoint\"");
        var modelTensors = contents.Tensors.Where(t => !t.Name.StartsWith("optim.", StringComparison.Ordinal)).ToList();
        var optimizer = new Dictionary<string, Tensor>();
        foreach (var (name, value) in contents.Tensors.Where(t => t.Name.StartsWith("optim.", StringComparison.Ordinal)))
            if (!optimizer.TryAdd(name["optim.".Length..], value))   // found by fuzzing: tests/fixtures/fuzz/checkpoint/
                throw new ModelFormatException($"{path}: tensor \"{name}\" appears twice");
        SavedModel model = ModelFile.FromHeader(path, contents.Header, modelTensors);
        try
        {
            var options = contents.Header["options"].Deserialize<TrainOptions>(Json) ?? throw new ModelFormatException($"{path}: field \"options\" is missing");
            var state = contents.Header["state"].Deserialize<TrainingState>(Json) ?? throw new ModelFormatException($"{path}: field \"state\" is missing");
            long steps = contents.Header["optimizerSteps"]?.GetValue<long>() ?? 0;
            return new Loaded(model, options, state, steps, optimizer);
        }
        catch (JsonException e) { throw new ModelFormatException($"{path}: checkpoint header is malformed: {e.Message}", e); }
    }

    /// <summary>Copies saved optimiser tensors into <paramref name="optimizer"/>'s state.</summary>
    /// <exception cref="ModelFormatException">A state tensor is missing or has another shape.</exception>
    public static void RestoreOptimizer(string path, IOptimizer optimizer, Network network, Loaded checkpoint)
    {
        optimizer.Steps = checkpoint.OptimizerSteps;
        foreach (var (name, target) in optimizer.State(network.Parameters))
        {
            if (!checkpoint.OptimizerState.TryGetValue(name, out Tensor? saved))
                throw new ModelFormatException($"{path}: optimizer state \"{name}\" is missing");
            if (!saved.SameShape(target))
                throw new ModelFormatException($"{path}: optimizer state \"{name}\" has shape {saved.ShapeText}, expected {target.ShapeText}");
            saved.Data.CopyTo(target.Data, 0);
        }
    }
}
