using System.Globalization;
using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>
/// How the readout delay was chosen (delayed evaluation, docs/method.md): at the target latency, on the calibration
/// images, the mean squared error of the output V_D(T) / (T - D) against the CNN's logits for every delay D from 0 to
/// T - 1, and the D with the least. Stored as the conversion record's "readoutDelay" object.
/// </summary>
/// <param name="Delay">The chosen delay, in steps.</param>
/// <param name="TargetSteps">T, the latency the errors were measured at.</param>
/// <param name="Images">Calibration images simulated.</param>
/// <param name="Errors">The error for D = 0, 1, ..., T - 1 (logit units squared).</param>
public sealed record ReadoutDelayRecord(int Delay, int TargetSteps, int Images, IReadOnlyList<double> Errors)
{
    internal JsonObject ToJson() => new()
    {
        ["delay"] = Delay,
        ["targetSteps"] = TargetSteps,
        ["images"] = Images,
        ["errors"] = new JsonArray(Errors.Select(e => (JsonNode)double.Parse(e.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray()),   // 6 significant digits
    };

    /// <summary>Reads the stored form.</summary>
    /// <exception cref="InvalidOperationException">A field is missing or of the wrong kind.</exception>
    internal static ReadoutDelayRecord FromJson(JsonNode json) => new(
        json["delay"]?.GetValue<int>() ?? throw new InvalidOperationException("readoutDelay.delay is missing"),
        json["targetSteps"]?.GetValue<int>() ?? throw new InvalidOperationException("readoutDelay.targetSteps is missing"),
        json["images"]?.GetValue<int>() ?? throw new InvalidOperationException("readoutDelay.images is missing"),
        (json["errors"] as JsonArray)?.Select(e => e?.GetValue<double>() ?? throw new InvalidOperationException("readoutDelay.errors holds a null")).ToArray()
            ?? throw new InvalidOperationException("readoutDelay.errors is missing"));
}
