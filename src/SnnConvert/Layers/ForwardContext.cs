namespace SnnConvert.Layers;

/// <summary>What a forward pass needs besides its input: the mode, and the random source for dropout.</summary>
/// <param name="Training">Training mode: dropout active, batch norm uses batch statistics and updates running ones.</param>
/// <param name="Random">Source of dropout masks; seeded by the trainer from --seed, epoch and batch.</param>
public sealed record ForwardContext(bool Training, Random Random)
{
    /// <summary>Evaluation mode (no randomness is drawn).</summary>
    public static ForwardContext Eval { get; } = new(false, new Random(0));
}
