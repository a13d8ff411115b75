namespace SnnConvert.Snn;

/// <summary>How the synaptic currents of weighted layers are computed.</summary>
public enum SynapseEngine
{
    /// <summary>Per image and layer: event-driven when the input's fraction of non-zero values is below
    /// <see cref="SynapseEngines.EventDrivenBelow"/>, dense otherwise. The choice depends only on that image's input,
    /// so results do not depend on the batch.</summary>
    Auto,
    /// <summary>im2col + GEMM (conv; Winograd F(2x2, 3x3) for 3x3 stride-1 layers with vector-width channel counts) or GEMM
    /// (dense) on the whole input map.</summary>
    Dense,
    /// <summary>Accumulate the weights of the non-zero inputs only (see <see cref="SnnConvert.Kernels.EventDrivenConv2d"/>).</summary>
    EventDriven,
}

/// <summary>Constants of the engine choice.</summary>
public static class SynapseEngines
{
    /// <summary>
    /// Under <see cref="SynapseEngine.Auto"/>, inputs with a smaller fraction of non-zero values go event-driven.
    /// Chosen from the measurements in docs/benchmarks.md ("Event-driven against dense"): a single conv layer's kernels
    /// cross over between densities 0.2 and 0.4, and cifar10-vgg's pooled layers (input densities 0.37-0.43) run
    /// faster through the GEMM. mnist-seed's inputs (densities up to 0.16) go event-driven either way.
    /// Re-measured with AVX-512 switched off (docs/benchmarks.md, "Zen 4 held to AVX2"): with the AVX2 kernels auto is
    /// also there faster than forced dense or forced event-driven on both models, so one threshold serves every vector
    /// width, and which engine computes a current (with it the last digits of a result) does not depend on the CPU.
    /// </summary>
    public const double EventDrivenBelow = 0.3;
}
