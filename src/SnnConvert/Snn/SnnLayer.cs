namespace SnnConvert.Snn;

/// <summary>One stage of a spiking network. Shapes are per sample: (C, H, W) or (F).</summary>
public abstract record SnnLayer
{
    /// <summary>Per-sample output shape for a per-sample input shape.</summary>
    public abstract int[] OutputShape(int[] inputShape);

    /// <summary>Short text, e.g. "conv2d 1->12 5x5 (spiking, 12 thresholds)".</summary>
    public abstract string Describe();
}

/// <summary>
/// A weighted layer: synaptic current z(t) = W * s(t) + b feeds integrate-and-fire neurons (hidden layers) or an
/// accumulating membrane (the output layer). Thresholds hold one value per output channel, or one for the layer.
/// </summary>
public abstract record SynapticLayer : SnnLayer
{
    /// <summary>Weights, (Cout, Cin, K, K) for conv or (out, in) for linear.</summary>
    public required float[] Weight { get; init; }

    /// <summary>Bias added to the current at every step (batch-norm folding creates it), or null.</summary>
    public float[]? Bias { get; init; }

    /// <summary>Firing thresholds: length 1 (layer-wise) or the number of output channels. Empty before balancing.</summary>
    public float[] Thresholds { get; init; } = [];

    /// <summary>
    /// Membrane potential at t = 0 per output channel (conv) or feature (linear), or per neuron (channel by channel,
    /// positions in row-major order within a channel: the layer's output order), in the current's units (absolute, not
    /// relative to the threshold), or null for the network-wide <see cref="NeuronModel.Initial"/>. Set by membrane
    /// calibration (theta / 2 shifted by the measured offset spikes); used by IF neurons only.
    /// </summary>
    public float[]? InitialPotential { get; init; }

    /// <summary>True for hidden layers of IF neurons; false for the output layer.</summary>
    public required bool Spiking { get; init; }

    /// <summary>Output channels (conv) or features (linear).</summary>
    public abstract int OutputChannels { get; }

    /// <summary>Input channels (conv) or features (linear).</summary>
    public abstract int InputChannels { get; }

    /// <summary>Multiply-accumulates per sample of one evaluation of the current.</summary>
    public abstract long Macs(int[] inputShape);

    /// <summary>Threshold description for messages.</summary>
    protected string ThresholdText => (Spiking ? "spiking" : "output") + Thresholds.Length switch
    {
        0 => "",
        1 => ", layer-wise threshold",
        int n => $", {n} thresholds",
    } + (InitialPotential is null ? "" : ", calibrated v(0)");
}

/// <summary>Convolutional synapses (square kernel, group 1).</summary>
/// <param name="InChannelCount">Input channels.</param>
/// <param name="OutChannelCount">Output channels.</param>
/// <param name="Kernel">Kernel size.</param>
/// <param name="Stride">Stride.</param>
/// <param name="Padding">Zero padding (or <see cref="PadValues"/> padding).</param>
public sealed record SnnConv2d(int InChannelCount, int OutChannelCount, int Kernel, int Stride, int Padding) : SynapticLayer
{
    /// <summary>Per input channel value read outside the image (a folded input normalisation pads with the mean), or null for 0.</summary>
    public float[]? PadValues { get; init; }

    /// <inheritdoc/>
    public override int OutputChannels => OutChannelCount;

    /// <inheritdoc/>
    public override int InputChannels => InChannelCount;

    /// <summary>The equivalent CNN layer description.</summary>
    public Layers.Conv2dSpec Spec => new(InChannelCount, OutChannelCount, Kernel, Stride, Padding, Bias is not null);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Spec.OutputShape(inputShape);

    /// <inheritdoc/>
    public override long Macs(int[] inputShape) => Spec.Macs(inputShape);

    /// <inheritdoc/>
    public override string Describe() => $"{Spec.Describe()} ({ThresholdText})";
}

/// <summary>Fully connected synapses.</summary>
/// <param name="InFeatures">Inputs.</param>
/// <param name="OutFeatures">Outputs.</param>
public sealed record SnnLinear(int InFeatures, int OutFeatures) : SynapticLayer
{
    /// <inheritdoc/>
    public override int OutputChannels => OutFeatures;

    /// <inheritdoc/>
    public override int InputChannels => InFeatures;

    /// <summary>The equivalent CNN layer description.</summary>
    public Layers.LinearSpec Spec => new(InFeatures, OutFeatures, Bias is not null);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Spec.OutputShape(inputShape);

    /// <inheritdoc/>
    public override long Macs(int[] inputShape) => Spec.Macs(inputShape);

    /// <inheritdoc/>
    public override string Describe() => $"{Spec.Describe()} ({ThresholdText})";
}

/// <summary>Average pooling of spike maps (its output is the mean of the spikes in each window).</summary>
public sealed record SnnAvgPool2d(int Kernel, int Stride) : SnnLayer
{
    /// <summary>The equivalent CNN layer description.</summary>
    public Layers.AvgPool2dSpec Spec => new(Kernel, Stride);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Spec.OutputShape(inputShape);

    /// <inheritdoc/>
    public override string Describe() => Spec.Describe();
}

/// <summary>
/// Spiking max pooling by gating (Rueckauer et al. 2017, "Spiking max-pooling layers"): each window passes the spikes of its most
/// active input, the one with the most spikes so far (an online estimate of the firing rates). Inputs tied at the
/// highest count are all open and the window emits at most one spike per step, so its output spike count equals the
/// largest input spike count of the window at every step and its rate tends to the largest input rate. Stateful
/// (counts per input neuron, the largest count per window); it must directly follow a spiking weighted layer.
/// See <see cref="SnnConvert.Kernels.SpikeMaxPoolGate"/>.
/// </summary>
/// <param name="Kernel">Window size (square).</param>
/// <param name="Stride">Window step; windows overlap when it is below <paramref name="Kernel"/>.</param>
public sealed record SnnGatedMaxPool2d(int Kernel, int Stride) : SnnLayer
{
    /// <summary>The CNN layer it stands for.</summary>
    public Layers.MaxPool2dSpec Spec => new(Kernel, Stride);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => Spec.OutputShape(inputShape);

    /// <inheritdoc/>
    public override string Describe() => $"gated {Spec.Describe()}";
}

/// <summary>(C, H, W) -> (C*H*W).</summary>
public sealed record SnnFlatten : SnnLayer
{
    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => [inputShape.Aggregate(1, (a, b) => a * b)];

    /// <inheritdoc/>
    public override string Describe() => "flatten";
}
