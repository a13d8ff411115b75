using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// A conversion stopped after its threshold method (<see cref="SnnConverter.Threshold"/>), before post-calibration: the
/// balanced network and what <see cref="SnnConverter.PostCalibrate"/> needs to finish it. Every conversion whose
/// options differ from <see cref="Options"/> only in their post-calibration, and whose thresholds are chosen for the same
/// latency target (<see cref="SnnConverter.SharesThresholds"/>), finishes from it: a reproduction calibrates such rows'
/// thresholds once.
/// </summary>
public sealed class ThresholdedNetwork
{
    internal ThresholdedNetwork(SavedModel model, ConversionOptions options, SpikingNetwork balanced, CalibrationSettings settings, IReadOnlyList<string> warnings)
    {
        Model = model;
        Options = options;
        Balanced = balanced;
        Settings = settings;
        Warnings = warnings;
    }

    /// <summary>The CNN converted.</summary>
    public SavedModel Model { get; }

    /// <summary>The options the thresholds were calibrated with.</summary>
    public ConversionOptions Options { get; }

    /// <summary>The threshold method's network, checked (no post-calibration, no recorded input preprocessing yet).</summary>
    public SpikingNetwork Balanced { get; }

    /// <summary>The calibration subset and settings the thresholds were calibrated with.</summary>
    internal CalibrationSettings Settings { get; }

    /// <summary>The template's warnings and those of the method, in the order a conversion reports them.</summary>
    internal IReadOnlyList<string> Warnings { get; }
}
