using System.Globalization;
using SnnConvert.Conversion;
using SnnConvert.Errors;

namespace SnnConvert.Reporting;

/// <summary>
/// The rows a reproduction adds for the conversions beyond the seed paper that target a latency T (issue 18), two per T
/// so that each step's contribution shows: "max-current target-T T", the seed's max-current with each threshold chosen to
/// minimise the clip-and-floor error at T (<see cref="ConversionOptions.TargetSteps"/>, Li et al. 2021), and
/// "low-latency T=T", the recommended preset (<c>--low-latency T</c>): the same thresholds followed by bias and membrane
/// calibration (<see cref="PostCalibration"/>: Li et al. 2021; Deng &amp; Gu 2021; Hao et al. 2023).
/// </summary>
public static class LowLatencyRows
{
    /// <summary>The label of the threshold-search row at <paramref name="steps"/>: "max-current target-T 8".</summary>
    public static string TargetLabel(int steps) => "max-current target-T " + steps.ToString(CultureInfo.InvariantCulture);

    /// <summary>The label of the recommended preset's row at <paramref name="steps"/>: "low-latency T=8".</summary>
    public static string PresetLabel(int steps) => "low-latency T=" + steps.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The target latencies of a dataset's rows when none are given: those where issue 18 sets its acceptance targets for
    /// the bundled model (MNIST: the paper's claim at T = 8, and below it; Fashion-MNIST: 8, 16, 32; CIFAR-10: 16, 32, 64),
    /// three each so that the rows add at most six simulations to a run; 4, 8, 16 for any other dataset.
    /// </summary>
    public static IReadOnlyList<int> DefaultSteps(string dataset) => dataset.ToLowerInvariant() switch
    {
        "mnist" => [2, 4, 8],
        "fmnist" => [8, 16, 32],
        "cifar10" => [16, 32, 64],
        _ => [4, 8, 16],
    };

    /// <summary>
    /// The rows at each of <paramref name="steps"/> (ascending, each once): the threshold search alone, then the preset.
    /// Both use max-current by default (synapses scaled by the thresholds) with the run's percentile and granularity, as
    /// <c>convert --low-latency</c> does.
    /// </summary>
    /// <exception cref="InvalidSettingException">A latency is not positive.</exception>
    public static IReadOnlyList<MethodVariant> Build(IEnumerable<int> steps, double? percentile = null, ThresholdGranularity granularity = ThresholdGranularity.Channel)
    {
        var rows = new List<MethodVariant>();
        foreach (int t in steps.Distinct().Order())
        {
            if (t <= 0) throw new InvalidSettingException(SettingNames.LowLatencyRows, $"give positive target latencies, e.g. 4,8,16; got {t}");
            IThresholdMethod method = ThresholdMethods.Create("max-current", percentile, granularity);
            rows.Add(new MethodVariant(TargetLabel(t), method, TargetSteps: t));
            rows.Add(new MethodVariant(PresetLabel(t), method, TargetSteps: t, PostCalibration: PostCalibration.Bias | PostCalibration.Membrane));
        }
        return rows;
    }
}
