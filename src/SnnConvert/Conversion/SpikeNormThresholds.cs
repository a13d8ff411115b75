using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Spike-Norm (Sengupta, Ye, Wang, Liu &amp; Roy, "Going Deeper in Spiking Neural Networks: VGG and Residual
/// Architectures", Frontiers in Neuroscience 13:95, 2019): layer by layer inside the SNN, driven by rate-coded
/// (Poisson/Bernoulli) input, each layer's single threshold is the maximum input current it receives over the
/// calibration images and steps, with the previous layers already balanced.
/// </summary>
public sealed record SpikeNormThresholds : IThresholdMethod
{
    /// <inheritdoc/>
    public string Name => "spike-norm";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        SequentialCurrentBalancer.Balance(template, settings, ThresholdGranularity.Layer, 100, InputEncoding.Rate, false, Name, progress);
}
