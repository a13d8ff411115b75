using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// What a balanced network records about how its thresholds were set (<see cref="ConversionRecord"/>): the method and
/// its settings, and one summary per weighted layer. Shared by both balancing engines.
/// </summary>
internal static class BalancingRecord
{
    /// <summary>Summary of one balanced layer: threshold count, min/mean/max, dead channels, calibration steps.</summary>
    public static LayerCalibration Layer(int stage, SynapticLayer layer, float[] thresholds, int dead, int steps) =>
        new(stage, layer.Describe(), thresholds.Length, thresholds.Min(), thresholds.Average(t => (double)t), thresholds.Max(), dead, steps);

    /// <summary>A copy of <paramref name="conversion"/> with the method, its common settings and the layer summaries.</summary>
    public static ConversionRecord Method(ConversionRecord conversion, string method, ThresholdGranularity granularity, double percentile,
        CalibrationSettings settings, IReadOnlyList<LayerCalibration> layers) => conversion with
        {
            Method = method,
            Granularity = granularity.ToString().ToLowerInvariant(),
            Percentile = percentile,
            CalibrationSamples = settings.Data.Count,
            Layers = layers,
            TargetSteps = settings.Target?.Steps,
            TargetRounding = settings.Target?.HalfThresholdStart,
        };
}
