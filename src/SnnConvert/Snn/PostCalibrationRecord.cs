using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>
/// What post-calibration (bias and/or membrane calibration after the thresholds, docs/method.md) did: the steps, the
/// target latency and images it used, and one <see cref="PostCalibrationLayer"/> per calibrated weighted layer. Stored as
/// the conversion record's "postCalibration" object.
/// </summary>
/// <param name="Steps">Which steps ran: "bias", "membrane" or "bias,membrane".</param>
/// <param name="TargetSteps">T, the latency the errors were measured at.</param>
/// <param name="Images">Calibration images simulated per layer.</param>
/// <param name="Layers">One entry per calibrated layer, in order.</param>
/// <param name="Passes">Measure-and-correct passes of each step per layer (stored only when more than one, so that earlier files keep their bytes).</param>
/// <param name="MembraneGranularity">"neuron" when membrane calibration set one v(0) per neuron; null (not stored) for one per channel.</param>
public sealed record PostCalibrationRecord(string Steps, int TargetSteps, int Images, IReadOnlyList<PostCalibrationLayer> Layers, int Passes = 1,
    string? MembraneGranularity = null)
{
    /// <summary>The stored form.</summary>
    internal JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["steps"] = Steps,
            ["targetSteps"] = TargetSteps,
            ["images"] = Images,
        };
        if (Passes != 1) json["passes"] = Passes;
        if (MembraneGranularity is not null) json["membraneGranularity"] = MembraneGranularity;
        json["layers"] = new JsonArray(Layers.Select(l => (JsonNode)l.ToJson()).ToArray());
        return json;
    }

    /// <summary>Reads the stored form.</summary>
    /// <exception cref="InvalidOperationException">A field is missing or of the wrong kind.</exception>
    internal static PostCalibrationRecord FromJson(JsonNode json) => new(
        json["steps"]?.GetValue<string>() ?? throw new InvalidOperationException("postCalibration.steps is missing"),
        json["targetSteps"]?.GetValue<int>() ?? throw new InvalidOperationException("postCalibration.targetSteps is missing"),
        json["images"]?.GetValue<int>() ?? throw new InvalidOperationException("postCalibration.images is missing"),
        (json["layers"] as JsonArray)?.Select(PostCalibrationLayer.FromJson).ToArray() ?? [],
        json["passes"]?.GetValue<int>() ?? 1,
        json["membraneGranularity"]?.GetValue<string>());
}

/// <summary>Post-calibration of one weighted layer.</summary>
/// <param name="Stage">Stage index in the network.</param>
/// <param name="Layer">Description of the layer.</param>
/// <param name="MeanError">Mean over channels of |SNN output rate x theta - analog activation| (means over images and positions) before this layer was calibrated, in current units.</param>
/// <param name="MeanBiasShift">Mean over channels of |bias change|, or null when the bias was not calibrated.</param>
/// <param name="MeanInitialPotential">Mean over channels of v(0) / theta after calibration, or null when the membrane was not calibrated.</param>
public sealed record PostCalibrationLayer(int Stage, string Layer, double MeanError, double? MeanBiasShift, double? MeanInitialPotential)
{
    internal JsonObject ToJson()
    {
        var json = new JsonObject { ["stage"] = Stage, ["layer"] = Layer, ["meanError"] = MeanError };
        if (MeanBiasShift is { } bias) json["meanBiasShift"] = bias;
        if (MeanInitialPotential is { } v0) json["meanInitialPotential"] = v0;
        return json;
    }

    internal static PostCalibrationLayer FromJson(JsonNode? json) => new(
        json?["stage"]?.GetValue<int>() ?? throw new InvalidOperationException("postCalibration.layers[].stage is missing"),
        json["layer"]?.GetValue<string>() ?? "", json["meanError"]?.GetValue<double>() ?? 0,
        json["meanBiasShift"]?.GetValue<double>(), json["meanInitialPotential"]?.GetValue<double>());
}
