using System.Text.Json.Nodes;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// What a balanced network records about how its thresholds were set (the SNN file's "conversion" object):
/// the method and its settings, and one summary per weighted layer. Shared by both balancing engines.
/// </summary>
internal static class ConversionRecord
{
    /// <summary>Summary of one balanced layer: threshold count, min/mean/max, dead channels, calibration steps.</summary>
    public static JsonObject Layer(int stage, SynapticLayer layer, float[] thresholds, int dead, int steps) => new()
    {
        ["stage"] = stage,
        ["layer"] = layer.Describe(),
        ["thresholds"] = thresholds.Length,
        ["min"] = (double)thresholds.Min(),
        ["max"] = (double)thresholds.Max(),
        ["mean"] = thresholds.Average(t => (double)t),
        ["deadChannels"] = dead,
        ["calibrationSteps"] = steps,
    };

    /// <summary>A copy of <paramref name="conversion"/> with the method, its common settings and the layer summaries.</summary>
    public static JsonObject Method(JsonObject conversion, string method, ThresholdGranularity granularity, double percentile,
        CalibrationSettings settings, JsonArray layers)
    {
        var record = (JsonObject)conversion.DeepClone();
        record["method"] = method;
        record["granularity"] = granularity.ToString().ToLowerInvariant();
        record["percentile"] = percentile;
        record["calibrationSamples"] = settings.Data.Count;
        record["layers"] = layers;
        return record;
    }
}
