using SnnConvert.Conversion;

namespace SnnConvert.Reporting;

/// <summary>A threshold method with its options under the label a reproduction reports it by (e.g. "max-current p99.9").</summary>
/// <param name="Label">Column and legend name; unique within a run.</param>
/// <param name="Method">The configured method.</param>
public sealed record MethodVariant(string Label, IThresholdMethod Method)
{
    /// <summary>Label of the max-current variant that rescales synapses by the presynaptic thresholds.</summary>
    public const string RescaleLabel = "max-current +rescale";

    /// <summary>Label of the max-current variant that takes the 99.9th percentile of the currents.</summary>
    public const string Percentile999Label = "max-current p99.9";

    /// <summary>
    /// The methods of a reproduction: each of <paramref name="names"/> with the given options, then, with
    /// <paramref name="variants"/>, the two max-current variants beyond the paper that docs/results/mnist.md found to
    /// matter (input rescaling, and the 99.9th percentile of the currents).
    /// </summary>
    public static IReadOnlyList<MethodVariant> Build(IEnumerable<string> names, bool variants, double? percentile = null,
        ThresholdGranularity granularity = ThresholdGranularity.Channel, bool rescaleInputs = false)
    {
        var list = names.Select(n => new MethodVariant(n, ThresholdMethods.Create(n, percentile, granularity, rescaleInputs))).ToList();
        if (variants)
        {
            list.Add(new MethodVariant(RescaleLabel, ThresholdMethods.Create("max-current", percentile, granularity, rescaleInputs: true)));
            list.Add(new MethodVariant(Percentile999Label, ThresholdMethods.Create("max-current", 99.9, granularity, rescaleInputs)));
        }
        return list.DistinctBy(m => m.Label).ToArray();
    }
}
