using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>
/// Typed view of a network's conversion record (<see cref="SpikingNetwork.Conversion"/>, the SNN file's "conversion"
/// object): what readers need, by property instead of by string key. The JSON stays the stored form, so keys this
/// view does not know (from newer files, NIR metadata) are kept.
/// </summary>
/// <param name="Method">Threshold balancing method, or null for an unbalanced template.</param>
/// <param name="Granularity">Threshold granularity ("layer" or "channel"), or null when not recorded.</param>
/// <param name="Percentile">Percentile of the calibration statistic, or null when not recorded.</param>
/// <param name="RescaleInputs">Whether max-current rescaled each layer's inputs by the previous thresholds.</param>
/// <param name="CalibrationSeconds">Wall time of the conversion as recorded by the CLI, or null.</param>
/// <param name="Layers">One entry per balanced weighted layer, in order.</param>
public sealed record ConversionSummary(string? Method, string? Granularity, double? Percentile, bool RescaleInputs, double? CalibrationSeconds,
    IReadOnlyList<LayerCalibration> Layers)
{
    /// <summary>Reads the typed view of <paramref name="conversion"/>.</summary>
    public static ConversionSummary From(JsonObject conversion) => new(
        conversion["method"]?.ToString(), conversion["granularity"]?.ToString(), conversion["percentile"]?.GetValue<double>(),
        conversion["rescaleInputs"]?.GetValue<bool>() ?? false, conversion["calibrationSeconds"]?.GetValue<double>(),
        (conversion["layers"] as JsonArray ?? []).Select(LayerCalibration.FromJson).ToArray());
}
