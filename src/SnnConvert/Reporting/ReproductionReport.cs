using System.Text.Json;
using System.Text.Json.Serialization;

namespace SnnConvert.Reporting;

/// <summary>
/// Everything a reproduction measured, serialised as results.json (camelCase; see docs/reproduce.md for the schema).
/// report.md and the plots are rendered from this record only, so their numbers are the JSON's.
/// </summary>
/// <param name="SchemaVersion">Version of this layout (1).</param>
/// <param name="Dataset">Dataset name (mnist, fmnist, cifar10).</param>
/// <param name="Model">The model file converted.</param>
/// <param name="Network">The network's name.</param>
/// <param name="Settings">What was run.</param>
/// <param name="CnnAccuracy">The CNN's accuracy in percent on the test images.</param>
/// <param name="CnnMacsPerImage">The CNN's MACs per image.</param>
/// <param name="CnnEnergyMicrojoules">The CNN's estimated energy per image.</param>
/// <param name="Methods">One result per method, in report order.</param>
/// <param name="Run">When, where and how long.</param>
public sealed record ReproductionReport(int SchemaVersion, string Dataset, string Model, string Network, ReproductionSettings Settings,
    double CnnAccuracy, long CnnMacsPerImage, double CnnEnergyMicrojoules, IReadOnlyList<MethodResult> Methods, RunInfo Run)
{
    /// <summary>The serializer settings of results.json.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>results.json.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads results.json back.</summary>
    public static ReproductionReport FromJson(string json) =>
        JsonSerializer.Deserialize<ReproductionReport>(json, Json) ?? throw new JsonException("results.json holds null");

    /// <summary>Reads the results.json at <paramref name="path"/>, checking that it is a whole reproduction's.</summary>
    /// <exception cref="Errors.ResultsFormatException">The file is missing, not JSON, cut short, or lacks a report's fields.</exception>
    public static ReproductionReport Read(string path)
    {
        if (!File.Exists(path))
            throw new Errors.ResultsFormatException($"{path}: no such file (give the folder that `snnconvert reproduce` or `merge` wrote)");
        ReproductionReport? report;
        try
        {
            report = FromJson(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new Errors.ResultsFormatException($"{path}: not a reproduction's results (truncated or not JSON: {e.Message})", e);
        }
        // Required fields missing from the JSON come back null.
        if (report.Settings is null || report.Run is null || report.Methods is null || report.Methods.Count == 0
            || report.Methods.Any(m => m?.Report?.Rows is null || m.Report.Layers is null || m.Thresholds is null || m.Warnings is null)
            || report.Settings.Timesteps is null || report.Methods.Any(m => m.Report.Rows.Count != report.Settings.Timesteps.Count))
            throw new Errors.ResultsFormatException($"{path}: not a reproduction's results: its settings, run or methods (each with one row per T) are missing");
        return report;
    }
}

/// <summary>The settings of a reproduction, as reported.</summary>
/// <param name="TestImages">Test images simulated.</param>
/// <param name="CalibrationImages">Training images the thresholds were calibrated on.</param>
/// <param name="CalibrationSteps">T_calib.</param>
/// <param name="Timesteps">Latencies reported.</param>
/// <param name="Encoding">Input encoding (direct or rate).</param>
/// <param name="Seed">Seed.</param>
/// <param name="BatchSize">Images simulated together.</param>
/// <param name="TargetSteps">The latency every method's thresholds were chosen for (--target-T), or null (absent from the JSON).</param>
/// <param name="PostCalibration">The corrections after the thresholds ("bias, membrane"), or null when none (absent from the JSON).</param>
public sealed record ReproductionSettings(int TestImages, int CalibrationImages, int CalibrationSteps, IReadOnlyList<int> Timesteps, string Encoding,
    int Seed, int BatchSize,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TargetSteps = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PostCalibration = null)
{
    /// <summary>The settings with the target latency and post-calibration of <paramref name="options"/>.</summary>
    internal ReproductionSettings With(ReproductionOptions options) => this with
    {
        TargetSteps = options.TargetSteps,
        PostCalibration = options.PostCalibration == Conversion.PostCalibration.None ? null : options.PostCalibration.ToString().ToLowerInvariant(),
    };
}

/// <summary>One method's conversion and simulation.</summary>
/// <param name="Label">Label in tables and legends.</param>
/// <param name="Method">The threshold method's name (several labels can share one, e.g. the max-current variants).</param>
/// <param name="Granularity">"channel" or "layer" thresholds.</param>
/// <param name="Percentile">Percentile of the calibration statistic, when the method has one.</param>
/// <param name="RescaleInputs">Whether synapses were multiplied by the presynaptic thresholds.</param>
/// <param name="CalibrationSeconds">Wall time of the calibration.</param>
/// <param name="SimulationSeconds">Wall time of the simulation.</param>
/// <param name="Warnings">Conversion warnings.</param>
/// <param name="Thresholds">Thresholds per weighted layer.</param>
/// <param name="Report">Accuracy, activity and energy versus T, and per-layer activity at the largest T.</param>
/// <param name="TargetSteps">The row's own target latency (<see cref="MethodVariant.TargetSteps"/>), or null (absent from the JSON).</param>
/// <param name="PostCalibration">The row's own post-calibration ("bias, membrane"), or null (absent from the JSON).</param>
/// <param name="Cnn">The CNN this row converted when it is not the run's (<see cref="QcfsRow"/>), with its accuracy; null (absent from
/// the JSON) for the rows converting the run's CNN. <see cref="Report"/>'s CNN accuracy, conversion loss and agreement are this CNN's.</param>
public sealed record MethodResult(string Label, string Method, string? Granularity, double? Percentile, bool RescaleInputs, double CalibrationSeconds,
    double SimulationSeconds, IReadOnlyList<string> Warnings, IReadOnlyList<LayerThresholds> Thresholds, SimulationReport Report,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TargetSteps = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PostCalibration = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MethodCnn? Cnn = null);

/// <summary>When, where and how long a reproduction ran.</summary>
/// <param name="Command">The command line.</param>
/// <param name="StartedUtc">Start time (UTC, ISO 8601).</param>
/// <param name="ProcessorCount">Logical processors.</param>
/// <param name="Blas">Matrix product backend.</param>
/// <param name="OperatingSystem">Operating system.</param>
/// <param name="Runtime">.NET runtime.</param>
/// <param name="TrainingSeconds">Wall time of --train, or null.</param>
/// <param name="CnnSeconds">Wall time of the CNN's evaluation.</param>
/// <param name="TotalSeconds">Wall time of the whole reproduction (training included).</param>
/// <param name="ReusedMethods">Methods whose results this run took from the checkpoints of an earlier, interrupted run of the same
/// command (their times are that run's, not counted in <paramref name="TotalSeconds"/>); null (absent from the JSON) when none.</param>
public sealed record RunInfo(string Command, string StartedUtc, int ProcessorCount, string Blas, string OperatingSystem, string Runtime,
    double? TrainingSeconds, double CnnSeconds, double TotalSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReusedMethods = null);
