namespace SnnConvert.Training;

/// <summary>
/// Files of one training run, derived from the model path: <c>m.snnm</c> (the last epoch's model),
/// <c>m.best.snnm</c> (the epoch with the best test accuracy) and <c>m.ckpt</c> (resumable checkpoint).
/// </summary>
public sealed record TrainingPaths(string Model)
{
    /// <summary>Best-epoch model file.</summary>
    public string Best => Path.ChangeExtension(Model, null) + ".best.snnm";

    /// <summary>Resumable checkpoint file (model, optimiser state and progress).</summary>
    public string Checkpoint => Path.ChangeExtension(Model, null) + ".ckpt";
}
