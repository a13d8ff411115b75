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
/// <c>steps</c> 1. Calls come from one thread; the probe may process a block in parallel itself.
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
}
