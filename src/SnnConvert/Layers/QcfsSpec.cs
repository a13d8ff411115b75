namespace SnnConvert.Layers;

/// <summary>
/// Quantisation-clip-floor-shift activation (Bu et al. 2022, ICLR, "Optimal ANN-SNN Conversion for High-accuracy and
/// Ultra-low-latency SNNs"): h(z) = lambda * clip(floor(z * L / lambda + 1/2) / L, 0, 1), with L levels and a trainable
/// threshold lambda, one per layer (the paper) or one per channel (dimension 1 of the input).
/// An SNN of soft-reset IF neurons with threshold lambda, started at lambda/2, reproduces it exactly after L steps.
/// </summary>
/// <param name="Levels">Quantisation levels L (the paper's T in training), at least 1.</param>
/// <param name="Thresholds">Number of thresholds lambda: 1 (per layer) or the input's channel count (per channel).</param>
/// <param name="InitialThreshold">Value every lambda starts from when the layer is built (the authors' code uses 8).</param>
public sealed record QcfsSpec(int Levels, int Thresholds = 1, float InitialThreshold = 8f) : LayerSpec
{
    /// <summary>Whether each channel has its own threshold.</summary>
    public bool PerChannel => Thresholds > 1;

    /// <inheritdoc/>
    public override Layer Build(Random random)
    {
        if (Levels < 1) throw new ArgumentException($"{Describe()}: levels must be at least 1, got {Levels}");
        if (Thresholds < 1) throw new ArgumentException($"{Describe()}: thresholds must be at least 1, got {Thresholds}");
        if (!(InitialThreshold > 0f) || !float.IsFinite(InitialThreshold))
            throw new ArgumentException($"{Describe()}: initial threshold must be a positive number, got {InitialThreshold}");
        return new QcfsLayer(this);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (Thresholds > 1 && (inputShape.Length < 1 || inputShape[0] != Thresholds))
            throw ShapeError(inputShape, $"{Thresholds} channels (one threshold each)");
        return inputShape;
    }

    /// <inheritdoc/>
    public override long ParameterCount => Thresholds;

    /// <inheritdoc/>
    public override string Describe() => PerChannel ? $"qcfs L={Levels} per-channel {Thresholds}" : $"qcfs L={Levels}";
}
