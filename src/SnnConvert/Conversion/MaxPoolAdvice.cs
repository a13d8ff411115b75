using SnnConvert.Errors;

namespace SnnConvert.Conversion;

/// <summary>
/// What the refusal of max pooling and the CLI's --maxpool help tell the user, with the measured difference between the
/// options (docs/spiking-maxpool.md: small max-pooling CNNs trained on MNIST and CIFAR-10, tests/fixtures/maxpool).
/// </summary>
public static class MaxPoolAdvice
{
    /// <summary>The measurement the advice quotes.</summary>
    public const string Measured = "with percentile thresholds at T = 32, 97.56 % against 96.63 % with average pooling on a MNIST LeNet (CNN 97.77 %) and 54.35 % against " +
        "19.65 % on a CIFAR-10 CNN (54.75 %), with 2.6-5.3x fewer synaptic operations; docs/spiking-maxpool.md";

    /// <summary>The end of the message that refuses a max-pooling layer.</summary>
    public static readonly string Refused = $"convert with {SettingReference.To(SettingNames.MaxPoolHandling, "gate")} (spiking max pooling that passes the spikes " +
        $"of each window's most active input; {Measured}), or {SettingReference.To(SettingNames.MaxPoolHandling, "average")} (average pooling instead: " +
        "a different network), or retrain with average pooling";

    /// <summary>The --maxpool help text.</summary>
    public const string Help = "refuse (default), gate (spiking max pooling: each window passes the spikes of its most active input, " +
        "Rueckauer et al. 2017; the better option: " + Measured + ") or average (replace max pooling by average pooling)";
}
