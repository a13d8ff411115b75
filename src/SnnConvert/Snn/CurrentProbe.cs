namespace SnnConvert.Snn;

/// <summary>
/// What calibration records: the input current z_l(t) of one weighted layer (<see cref="Stage"/>) while the layers
/// before it run as IF neurons. A runner given a probe simulates the stages before <see cref="Stage"/>, computes that
/// stage's currents and hands them to <see cref="Record"/> instead of integrating them; later stages are not run.
/// </summary>
/// <remarks>
/// Order of the calls, for each batch: one call per block of steps, in time order, with every (step, image) current
/// of the block, whichever engine computed it; rows are time-major (row t * images + i is image i at the block's step t),
/// each one output map of the stage. When the stage's current is constant (direct input, first weighted layer:
/// <see cref="InputEncoder.GivesConstantCurrent"/>) there is one call per batch, with one row per image and
/// <c>steps</c> 1. Calls to <see cref="Record"/> come from one thread (the probe may process a block in parallel
/// itself); <see cref="RecordRow"/> is called from parallel workers.
/// </remarks>
public abstract class CurrentProbe
{
    /// <summary>A probe of stage <paramref name="stage"/>, a weighted layer.</summary>
    protected CurrentProbe(int stage) => Stage = stage;

    /// <summary>The weighted layer whose input currents are recorded.</summary>
    public int Stage { get; }

    /// <summary>Receives the currents of one block (see the remarks for their order).</summary>
    /// <param name="currents">images * steps rows of one output map each.</param>
    /// <param name="images">Images of the batch.</param>
    /// <param name="steps">Steps of the block.</param>
    public abstract void Record(ReadOnlyMemory<float> currents, int images, int steps);

    /// <summary>
    /// Whether the probe takes a block's currents row by row (<see cref="RecordRow"/>) from the parallel workers that
    /// compute them, while they are still in the cache, instead of the whole block (<see cref="Record"/>) afterwards.
    /// The constant current of a first layer still comes through <see cref="Record"/>.
    /// </summary>
    public virtual bool TakesRows => false;

    /// <summary>
    /// Receives row <paramref name="row"/> (step t * images + image i of the block, as in <see cref="Record"/>) when
    /// <see cref="TakesRows"/>. Called concurrently: <paramref name="worker"/> (below
    /// <see cref="Tensors.ChunkedParallel.MaxChunks"/>) is the chunk of the block's rows being computed, and no two
    /// concurrent calls share it; the rows of one worker come in ascending order.
    /// </summary>
    /// <param name="worker">The chunk computing the row.</param>
    /// <param name="row">Its index in the block.</param>
    /// <param name="current">One output map of the stage.</param>
    public virtual void RecordRow(int worker, int row, ReadOnlySpan<float> current) =>
        throw new NotSupportedException($"{GetType().Name} takes whole blocks");
}
