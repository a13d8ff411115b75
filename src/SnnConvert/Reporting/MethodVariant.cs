using SnnConvert.Conversion;

namespace SnnConvert.Reporting;

/// <summary>A threshold method with its options under the label a reproduction reports it by (e.g. "max-current p99.9").</summary>
/// <param name="Label">Column and legend name; unique within a run.</param>
/// <param name="Method">The configured method.</param>
public sealed record MethodVariant(string Label, IThresholdMethod Method)
{
    /// <summary>Label of max-current as the paper writes it (copied weights), beside the default "max-current" (synapses scaled by the thresholds).</summary>
    public const string AsWrittenLabel = "max-current as written";

    /// <summary>Label of the max-current variant that takes the 99.9th percentile of the currents.</summary>
    public const string Percentile999Label = "max-current p99.9";

    /// <summary>
    /// The methods of a run: each of <paramref name="names"/> with the given options (max-current as written under
    /// <see cref="AsWrittenLabel"/> when <paramref name="asWritten"/>); with <paramref name="bothSeedForms"/>, max-current
    /// both by default and as written, side by side (a reproduction reports both); then, with <paramref name="variants"/>,
    /// the max-current variant beyond the paper that docs/results/mnist.md found to matter (the 99.9th percentile).
    /// </summary>
    public static IReadOnlyList<MethodVariant> Build(IEnumerable<string> names, bool variants, double? percentile = null,
        ThresholdGranularity granularity = ThresholdGranularity.Channel, bool asWritten = false, bool bothSeedForms = false)
    {
        const string seed = "max-current";
        var list = new List<MethodVariant>();
        foreach (string n in names)
        {
            if (n != seed || !asWritten || bothSeedForms) list.Add(new MethodVariant(n, ThresholdMethods.Create(n, percentile, granularity)));
            if (n == seed && (asWritten || bothSeedForms)) list.Add(new MethodVariant(AsWrittenLabel, ThresholdMethods.Create(n, percentile, granularity, asWritten: true)));
        }
        if (variants) list.Add(new MethodVariant(Percentile999Label, ThresholdMethods.Create(seed, 99.9, granularity, asWritten)));
        return list.DistinctBy(m => m.Label).ToArray();
    }
}
