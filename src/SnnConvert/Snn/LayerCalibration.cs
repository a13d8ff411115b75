using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>What the conversion recorded about one balanced weighted layer (an entry of the record's "layers").</summary>
/// <param name="Stage">Stage index in the network, or null when the record does not say.</param>
/// <param name="Layer">Description of the layer.</param>
/// <param name="Thresholds">Number of thresholds (1 layer-wise, else one per output channel).</param>
/// <param name="Min">Smallest threshold, or null when not recorded.</param>
/// <param name="Mean">Mean threshold, or null when not recorded.</param>
/// <param name="Max">Largest threshold, or null when not recorded.</param>
/// <param name="DeadChannels">Channels that never received a positive input current during calibration.</param>
/// <param name="CalibrationSteps">Time steps the layer was calibrated over, or null when not recorded.</param>
public sealed record LayerCalibration(int? Stage, string Layer, int Thresholds, double? Min, double? Mean, double? Max, int DeadChannels, int? CalibrationSteps)
{
    /// <summary>With a target latency: the chosen threshold as a fraction of the maximum (mean over the live channels), else null.</summary>
    public double? TargetFraction { get; init; }

    /// <summary>Keys this record does not know (from newer files), kept so that nothing read is lost; written last.</summary>
    public JsonObject Other { get; init; } = [];

    private static readonly string[] Known = ["stage", "layer", "thresholds", "min", "max", "mean", "deadChannels", "calibrationSteps", "targetFraction"];

    /// <summary>The stored form, keys in the order the conversion has always written them.</summary>
    internal JsonObject ToJson()
    {
        var json = new JsonObject();
        if (Stage is { } stage) json["stage"] = stage;
        json["layer"] = Layer;
        json["thresholds"] = Thresholds;
        if (Min is { } min) json["min"] = min;
        if (Max is { } max) json["max"] = max;
        if (Mean is { } mean) json["mean"] = mean;
        json["deadChannels"] = DeadChannels;
        if (CalibrationSteps is { } steps) json["calibrationSteps"] = steps;
        if (TargetFraction is { } fraction) json["targetFraction"] = fraction;
        foreach (var (key, value) in Other) json[key] = value?.DeepClone();
        return json;
    }

    /// <summary>Reads one entry of the record's "layers"; missing keys become null (or 0 / "" for the counts and the name), unknown ones go to <see cref="Other"/>.</summary>
    internal static LayerCalibration FromJson(JsonNode? entry) => new(
        entry?["stage"]?.GetValue<int>(), entry?["layer"]?.ToString() ?? "", entry?["thresholds"]?.GetValue<int>() ?? 0,
        entry?["min"]?.GetValue<double>(), entry?["mean"]?.GetValue<double>(), entry?["max"]?.GetValue<double>(),
        entry?["deadChannels"]?.GetValue<int>() ?? 0, entry?["calibrationSteps"]?.GetValue<int>())
    {
        TargetFraction = entry?["targetFraction"]?.GetValue<double>(),
        Other = new JsonObject((entry as JsonObject ?? []).Where(p => !Known.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))),
    };
}
