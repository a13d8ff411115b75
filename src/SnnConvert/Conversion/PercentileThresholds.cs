using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Robust normalisation (Rueckauer, Lungu, Hu, Pfeiffer &amp; Liu, "Conversion of Continuous-Valued Deep Networks to
/// Efficient Event-Driven Networks for Image Classification", Frontiers in Neuroscience 11:682, 2017): as
/// data-based normalisation, with the p-th percentile (default 99.9) of the positive activations instead of the
/// maximum, which ignores rare outliers and raises firing rates.
/// </summary>
/// <param name="Percentile">p, in (0, 100].</param>
public sealed record PercentileThresholds(double Percentile = 99.9) : IThresholdMethod
{
    /// <inheritdoc/>
    public string Name => "percentile";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        ActivationBalancer.Balance(template, settings, ThresholdGranularity.Layer, Percentile, Name, progress);
}
