namespace SnnConvert.Layers;

/// <summary>What a forward pass needs besides its input: the mode, and the random source for dropout.</summary>
/// <param name="Training">Training mode: dropout active, batch norm uses batch statistics and updates running ones.</param>
/// <param name="Random">Source of dropout masks; seeded by the trainer from --seed, epoch and batch.</param>
public sealed record ForwardContext(bool Training, Random Random)
{
    /// <summary>
    /// The caller reads each pass's outputs (and each backward pass's gradients) only until the next pass through the
    /// same layers, as a training loop does: layers may then write into the tensors they returned last time instead of
    /// allocating batch-sized arrays every step (which costs a zeroing pass and, above all, frequent full garbage
    /// collections). Off by default, since callers that keep activations across batches would see them overwritten.
    /// </summary>
    public bool ReuseBuffers { get; init; }

    /// <summary>Evaluation mode (no randomness is drawn).</summary>
    public static ForwardContext Eval { get; } = new(false, new Random(0));

    /// <summary>
    /// Evaluation mode with <see cref="ReuseBuffers"/>: for a caller that reads each batch's outputs before the next
    /// batch and runs one pass at a time through the network (an evaluation loop).
    /// </summary>
    public static ForwardContext EvalReusingBuffers { get; } = new(false, new Random(0)) { ReuseBuffers = true };
}
