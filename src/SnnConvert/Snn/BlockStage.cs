namespace SnnConvert.Snn;

/// <summary>A stage of an <see cref="SnnPlan"/>: turns the block's input maps into its output maps.</summary>
internal abstract class BlockStage
{
    /// <summary>Runs the block: reads <paramref name="input"/>, writes <paramref name="output"/> (both time-major).</summary>
    public abstract void Run(float[] input, float[] output, BlockWorkspace block, SpikeCounters counters);
}
