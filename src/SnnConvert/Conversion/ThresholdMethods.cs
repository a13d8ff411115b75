using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;

namespace SnnConvert.Conversion;

/// <summary>The threshold methods by CLI name.</summary>
public static class ThresholdMethods
{
    /// <summary>Names in the order reports list them.</summary>
    public static readonly string[] Names = ["max-current", "max-activation", "percentile", "spike-norm", "channel-max-activation"];

    /// <summary>The method for networks trained with QCFS activations (<see cref="QcfsThresholds"/>); not in <see cref="Names"/>, which work on any CNN.</summary>
    public const string Qcfs = QcfsThresholds.MethodName;

    /// <summary>Whether <paramref name="network"/> has QCFS activations, whose trained thresholds <see cref="Qcfs"/> takes.</summary>
    public static bool HasQcfs(Network network) => network.Layers.Any(l => l is QcfsLayer);

    /// <summary>The method a conversion uses when none is named: <see cref="Qcfs"/> for a network with QCFS activations, else max-current (the seed).</summary>
    public static string DefaultFor(Network network) => HasQcfs(network) ? Qcfs : Names[0];

    /// <summary>Creates a method. <paramref name="percentile"/> is null for each method's default (max-current: 100, percentile: 99.9).</summary>
    /// <param name="name">One of <see cref="Names"/>, or <see cref="Qcfs"/>.</param>
    /// <param name="percentile">The percentile of max-current and percentile, or null for their defaults.</param>
    /// <param name="granularity">max-current's granularity, or null for per channel.</param>
    /// <param name="asWritten">max-current as the paper writes it, with copied weights (<see cref="MaxCurrentThresholds.AsWritten"/>);
    /// other methods ignore it.</param>
    /// <exception cref="InvalidSettingException">Unknown name or a percentile outside (0, 100].</exception>
    public static IThresholdMethod Create(string name, double? percentile = null, ThresholdGranularity? granularity = null, bool asWritten = false)
    {
        if (percentile is { } p && !(p > 0 && p <= 100)) throw new InvalidSettingException(SettingNames.Percentile, $"must be in (0, 100], got {p}");
        return name switch
        {
            "max-current" => new MaxCurrentThresholds(granularity ?? ThresholdGranularity.Channel, percentile ?? 100, RescaleInputs: !asWritten),
            "max-activation" => new MaxActivationThresholds(),
            "percentile" => new PercentileThresholds(percentile ?? 99.9),
            "spike-norm" => new SpikeNormThresholds(),
            "channel-max-activation" => new ChannelMaxActivationThresholds(),
            Qcfs => new QcfsThresholds(),
            _ => throw new InvalidSettingException(SettingNames.ThresholdMethod, $"unknown threshold method \"{name}\", expected one of {string.Join(", ", Names)} or {Qcfs}"),
        };
    }
}
