namespace SnnConvert.Snn;

/// <summary>How the synaptic currents of weighted layers are computed.</summary>
public enum SynapseEngine
{
    /// <summary>Per image and layer: event-driven when the input's fraction of non-zero values is below
    /// <see cref="SynapseEngines.EventDrivenBelow"/>, dense otherwise. The choice depends only on that image's input,
    /// so results do not depend on the batch.</summary>
    Auto,
    /// <summary>im2col + GEMM (conv) or GEMM (dense) on the whole input map.</summary>
    Dense,
    /// <summary>Accumulate the weights of the non-zero inputs only (see <see cref="EventDrivenConv2d"/>).</summary>
    EventDriven,
}

/// <summary>Constants of the engine choice.</summary>
public static class SynapseEngines
{
    /// <summary>
    /// Under <see cref="SynapseEngine.Auto"/>, inputs with a smaller fraction of non-zero values go event-driven.
    /// Chosen from the measurements in docs/benchmarks.md: on the bundled models (input densities mostly 0.05-0.4)
    /// the all-event-driven run was at least as fast as the dense one, and a single conv layer's kernels cross over
    /// between densities 0.2 and 0.4.
    /// </summary>
    public const double EventDrivenBelow = 0.5;
}
