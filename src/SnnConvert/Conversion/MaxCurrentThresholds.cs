using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// The seed method: threshold balancing from the maximum input current (Ngu &amp; Lee, "Effective Conversion of a
/// Convolutional Neural Network into a Spiking Neural Network for Image Recognition Tasks", Applied Sciences 12,
/// 5749, 2022). Layer by layer inside the SNN with direct input, each conv layer's threshold per output channel is
/// the largest input current W*s(t) + b it receives over the calibration images, positions and T_calib steps; a dense
/// hidden layer gets one threshold. By default the synapses leaving channel c of layer l-1 are multiplied by its
/// threshold theta_{l-1}[c] (<see cref="InputScaling"/>), so that the next layer's current approximates the CNN's
/// pre-activation, biases (folded batch norm) included; the paper copies the weights unchanged, which is
/// <see cref="AsWritten"/> (<c>RescaleInputs: false</c>). Options beyond the paper: a percentile instead of the
/// maximum (robust thresholds), one threshold per layer.
/// </summary>
/// <param name="Granularity">Channel (the seed) or layer.</param>
/// <param name="Percentile">100 (the seed's maximum) or a percentile of the positive currents.</param>
/// <param name="RescaleInputs">Multiply synapses by the presynaptic thresholds (the default); false is the paper as written (copied weights).</param>
public sealed record MaxCurrentThresholds(ThresholdGranularity Granularity = ThresholdGranularity.Channel, double Percentile = 100, bool RescaleInputs = true)
    : IThresholdMethod
{
    /// <summary>The paper's literal procedure: per-channel maxima of the currents with the CNN's weights copied unchanged.</summary>
    public static MaxCurrentThresholds AsWritten { get; } = new(RescaleInputs: false);

    /// <inheritdoc/>
    public string Name => "max-current";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        SequentialCurrentBalancer.Balance(template, settings, Granularity, Percentile, InputEncoding.Direct, RescaleInputs, Name, progress);
}
