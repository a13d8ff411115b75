using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// The seed method: threshold balancing from the maximum input current (Ngu &amp; Lee, "Effective Conversion of a
/// Convolutional Neural Network into a Spiking Neural Network for Image Recognition Tasks", Applied Sciences 12,
/// 5749, 2022). Layer by layer inside the SNN with direct input, each conv layer's threshold per output channel is
/// the largest input current W*s(t) + b it receives over the calibration images, positions and T_calib steps; a dense
/// hidden layer gets one threshold. Options beyond the paper: a percentile instead of the maximum (robust
/// thresholds), one threshold per layer, and rescaling each layer's synapses by the previous layer's thresholds.
/// </summary>
/// <param name="Granularity">Channel (the seed) or layer.</param>
/// <param name="Percentile">100 (the seed's maximum) or a percentile of the positive currents.</param>
/// <param name="RescaleInputs">Multiply synapses by the presynaptic thresholds (not in the paper; see <see cref="InputScaling"/>).</param>
public sealed record MaxCurrentThresholds(ThresholdGranularity Granularity = ThresholdGranularity.Channel, double Percentile = 100, bool RescaleInputs = false)
    : IThresholdMethod
{
    /// <inheritdoc/>
    public string Name => "max-current";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        SequentialCurrentBalancer.Balance(template, settings, Granularity, Percentile, InputEncoding.Direct, RescaleInputs, Name, progress);
}
