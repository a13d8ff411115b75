using System.Globalization;
using SnnConvert.Conversion;

namespace SnnConvert.Reporting;

/// <summary>
/// A threshold method with its options under the label a reproduction reports it by (e.g. "max-current p99.9"), and
/// the conversion settings of this row alone that live in <see cref="ConversionOptions"/> rather than in the method
/// (a target latency, post-calibration: the rows of <see cref="LowLatencyRows"/>).
/// </summary>
/// <param name="Label">Column and legend name; unique within a run.</param>
/// <param name="Method">The configured method.</param>
/// <param name="TargetSteps">This row's target latency (<see cref="ConversionOptions.TargetSteps"/>), replacing the run's; null: the run's.</param>
/// <param name="PostCalibration">This row's corrections after the thresholds, added to the run's (<see cref="ConversionOptions.PostCalibration"/>).</param>
/// <param name="Model">The CNN this row converts instead of the run's (<see cref="QcfsRow"/>); null: the run's.</param>
public sealed record MethodVariant(string Label, IThresholdMethod Method, int? TargetSteps = null, PostCalibration PostCalibration = PostCalibration.None,
    RowCnn? Model = null)
{
    /// <summary>Label of max-current as the paper writes it (copied weights), beside the default "max-current" (synapses scaled by the thresholds).</summary>
    public const string AsWrittenLabel = "max-current as written";

    /// <summary>Label of the max-current variant that takes the 99.9th percentile of the currents.</summary>
    public const string Percentile999Label = "max-current p99.9";

    /// <summary>Whether this row has conversion settings of its own (<see cref="TargetSteps"/>, <see cref="PostCalibration"/> or <see cref="Model"/>).</summary>
    public bool HasOwnConversion => TargetSteps is not null || PostCalibration != PostCalibration.None || Model is not null;

    /// <summary>
    /// This row's own conversion settings as text ("target-T 8, calibrate bias, membrane"; "model sha256 ..." for a row
    /// converting another CNN), or "" when it has none; part of the fingerprints of the conversions folder and the
    /// checkpoints only when not empty, so that those of rows without them stay as they were.
    /// </summary>
    public string OwnConversion => !HasOwnConversion ? "" : string.Join(", ", new[]
    {
        TargetSteps is { } t ? "target-T " + t.ToString(CultureInfo.InvariantCulture) : null,
        PostCalibration != PostCalibration.None ? "calibrate " + PostCalibration.ToString().ToLowerInvariant() : null,
        Model is { } model ? "model sha256 " + model.Sha256 : null,
    }.OfType<string>());

    /// <summary>This row's own post-calibration as reported ("bias, membrane"), or null when it has none.</summary>
    public string? PostCalibrationText => PostCalibration == PostCalibration.None ? null : PostCalibration.ToString().ToLowerInvariant();

    /// <summary>
    /// The conversion of this row: <paramref name="shared"/> (the run's settings) with this row's method, its target
    /// latency in place of the run's when it has one, and its post-calibration steps added to the run's.
    /// </summary>
    public ConversionOptions Apply(ConversionOptions shared) => shared with
    {
        Method = Method,
        TargetSteps = TargetSteps ?? shared.TargetSteps,
        PostCalibration = shared.PostCalibration | PostCalibration,
    };

    /// <summary>
    /// The methods of a run: each of <paramref name="names"/> with the given options (max-current as written under
    /// <see cref="AsWrittenLabel"/> when <paramref name="asWritten"/>); with <paramref name="bothSeedForms"/>, max-current
    /// both by default and as written, side by side (a reproduction reports both); then, with <paramref name="variants"/>,
    /// the max-current variant beyond the paper that docs/results/mnist.md found to matter (the 99.9th percentile); then
    /// the rows of <see cref="LowLatencyRows"/> at each latency of <paramref name="lowLatency"/> (none when null or empty).
    /// </summary>
    public static IReadOnlyList<MethodVariant> Build(IEnumerable<string> names, bool variants, double? percentile = null,
        ThresholdGranularity granularity = ThresholdGranularity.Channel, bool asWritten = false, bool bothSeedForms = false,
        IReadOnlyList<int>? lowLatency = null)
    {
        const string seed = "max-current";
        var list = new List<MethodVariant>();
        foreach (string n in names)
        {
            if (n != seed || !asWritten || bothSeedForms) list.Add(new MethodVariant(n, ThresholdMethods.Create(n, percentile, granularity)));
            if (n == seed && (asWritten || bothSeedForms)) list.Add(new MethodVariant(AsWrittenLabel, ThresholdMethods.Create(n, percentile, granularity, asWritten: true)));
        }
        if (variants) list.Add(new MethodVariant(Percentile999Label, ThresholdMethods.Create(seed, 99.9, granularity, asWritten)));
        if (lowLatency is { Count: > 0 }) list.AddRange(LowLatencyRows.Build(lowLatency, percentile, granularity));
        return list.DistinctBy(m => m.Label).ToArray();
    }
}
