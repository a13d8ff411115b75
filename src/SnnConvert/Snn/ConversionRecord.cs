using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>
/// How a network's thresholds were set: the method, its settings and one <see cref="LayerCalibration"/> per balanced
/// layer. Built by the conversion; stored as the SNN file's "conversion" object (and NIR metadata), whose keys this
/// record maps one to one, in the same order, so that a file written from it is the same as before. Each setting is
/// null when not recorded (a template before balancing records only the source model and its warnings).
/// </summary>
public sealed record ConversionRecord
{
    /// <summary>Name of the CNN the network was converted from.</summary>
    public string? SourceModel { get; init; }
    /// <summary>Warnings of the conversion.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }
    /// <summary>Threshold balancing method.</summary>
    public string? Method { get; init; }
    /// <summary>Threshold granularity ("layer" or "channel").</summary>
    public string? Granularity { get; init; }
    /// <summary>Percentile of the calibration statistic.</summary>
    public double? Percentile { get; init; }
    /// <summary>Calibration images.</summary>
    public int? CalibrationSamples { get; init; }
    /// <summary>One entry per balanced weighted layer, in order.</summary>
    public IReadOnlyList<LayerCalibration>? Layers { get; init; }
    /// <summary>Input encoding during calibration (max-current and spike-norm).</summary>
    public string? CalibrationEncoding { get; init; }
    /// <summary>Time steps of the calibration (max-current and spike-norm).</summary>
    public int? CalibrationSteps { get; init; }
    /// <summary>Seed of the calibration's rate input (max-current and spike-norm).</summary>
    public int? CalibrationSeed { get; init; }
    /// <summary>Whether each layer's inputs were rescaled by the previous thresholds.</summary>
    public bool? RescaleInputs { get; init; }
    /// <summary>The latency the thresholds minimise the clip-and-floor error for, or null (each method's own statistic).</summary>
    public int? TargetSteps { get; init; }
    /// <summary>With a target latency: whether the error was that of rounding (neurons starting at theta/2) rather than floor.</summary>
    public bool? TargetRounding { get; init; }
    /// <summary>An ONNX model's input preprocessing folded into the first layer (the model's "input" training record).</summary>
    public InputPreprocessing? Input { get; init; }
    /// <summary>The qcfs method: the quantisation levels L of each hidden layer's QCFS activation (the latency at which the SNN
    /// reproduces it exactly), or null for other methods.</summary>
    public IReadOnlyList<int>? QcfsLevels { get; init; }
    /// <summary>Bias and membrane calibration after the thresholds, or null when none ran.</summary>
    public PostCalibrationRecord? PostCalibration { get; init; }
    /// <summary>How the readout delay was chosen for a target latency, or null when it was not searched.</summary>
    public ReadoutDelayRecord? ReadoutDelay { get; init; }
    /// <summary>Wall time of the conversion in seconds, rounded to 0.1 s.</summary>
    public double? CalibrationSeconds { get; init; }
    /// <summary>Keys this record does not know (from newer files), kept so that nothing read is lost; written last.</summary>
    public JsonObject Other { get; init; } = [];

    /// <summary>The layer records, or none.</summary>
    public IReadOnlyList<LayerCalibration> LayerRecords => Layers ?? [];

    private static readonly string[] Known = ["sourceModel", "warnings", "method", "granularity", "percentile", "calibrationSamples", "layers",
        "calibrationEncoding", "calibrationSteps", "calibrationSeed", "rescaleInputs", "targetSteps", "targetRounding", "input", "qcfsLevels", "postCalibration", "readoutDelay", "calibrationSeconds"];

    /// <summary>The stored form: the keys that are set, in the order the conversion has always written them, then <see cref="Other"/>.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (SourceModel is not null) json["sourceModel"] = SourceModel;
        if (Warnings is not null) json["warnings"] = new JsonArray(Warnings.Select(w => (JsonNode)w!).ToArray());
        if (Method is not null) json["method"] = Method;
        if (Granularity is not null) json["granularity"] = Granularity;
        if (Percentile is { } p) json["percentile"] = p;
        if (CalibrationSamples is { } n) json["calibrationSamples"] = n;
        if (Layers is not null) json["layers"] = new JsonArray(Layers.Select(l => (JsonNode)l.ToJson()).ToArray());
        if (CalibrationEncoding is not null) json["calibrationEncoding"] = CalibrationEncoding;
        if (CalibrationSteps is { } steps) json["calibrationSteps"] = steps;
        if (CalibrationSeed is { } seed) json["calibrationSeed"] = seed;
        if (RescaleInputs is { } rescale) json["rescaleInputs"] = rescale;
        if (TargetSteps is { } target) json["targetSteps"] = target;
        if (TargetRounding is { } rounding) json["targetRounding"] = rounding;
        if (Input is not null) json["input"] = Input.ToJson();
        if (QcfsLevels is not null) json["qcfsLevels"] = new JsonArray(QcfsLevels.Select(l => (JsonNode)l).ToArray());
        if (PostCalibration is not null) json["postCalibration"] = PostCalibration.ToJson();
        if (ReadoutDelay is not null) json["readoutDelay"] = ReadoutDelay.ToJson();
        if (CalibrationSeconds is { } seconds) json["calibrationSeconds"] = seconds;
        foreach (var (key, value) in Other) json[key] = value?.DeepClone();
        return json;
    }

    /// <summary>Reads the stored form; unknown keys go to <see cref="Other"/>.</summary>
    /// <exception cref="FormatException">A known key holds a value of the wrong kind.</exception>
    public static ConversionRecord FromJson(JsonObject json)
    {
        try
        {
            var other = new JsonObject();
            foreach (var (key, value) in json)
                if (!Known.Contains(key)) other[key] = value?.DeepClone();
            return new ConversionRecord
            {
                SourceModel = json["sourceModel"]?.GetValue<string>(),
                Warnings = (json["warnings"] as JsonArray)?.Select(w => w!.GetValue<string>()).ToArray(),
                Method = json["method"]?.GetValue<string>(),
                Granularity = json["granularity"]?.GetValue<string>(),
                Percentile = json["percentile"]?.GetValue<double>(),
                CalibrationSamples = json["calibrationSamples"]?.GetValue<int>(),
                Layers = (json["layers"] as JsonArray)?.Select(LayerCalibration.FromJson).ToArray(),
                CalibrationEncoding = json["calibrationEncoding"]?.GetValue<string>(),
                CalibrationSteps = json["calibrationSteps"]?.GetValue<int>(),
                CalibrationSeed = json["calibrationSeed"]?.GetValue<int>(),
                RescaleInputs = json["rescaleInputs"]?.GetValue<bool>(),
                TargetSteps = json["targetSteps"]?.GetValue<int>(),
                TargetRounding = json["targetRounding"]?.GetValue<bool>(),
                Input = json["input"] is { } input ? InputPreprocessing.FromJson(input) : null,
                QcfsLevels = (json["qcfsLevels"] as JsonArray)?.Select(l => l!.GetValue<int>()).ToArray(),
                PostCalibration = json["postCalibration"] is { } post ? PostCalibrationRecord.FromJson(post) : null,
                ReadoutDelay = json["readoutDelay"] is { } delay ? ReadoutDelayRecord.FromJson(delay) : null,
                CalibrationSeconds = json["calibrationSeconds"]?.GetValue<double>(),
                Other = other,
            };
        }
        catch (InvalidOperationException e) { throw new FormatException($"conversion record: {e.Message}", e); }
    }
}
