namespace SnnConvert.Conversion;

/// <summary>
/// What the refusal of max pooling and the --maxpool help tell the user, with the measured difference between the
/// options (docs/spiking-maxpool.md: a LeNet with max pooling trained on MNIST, 10,000 test images).
/// </summary>
public static class MaxPoolAdvice
{
    /// <summary>The measurement the advice quotes.</summary>
    public const string Measured = "MEASURED";

    /// <summary>The end of the message that refuses a max-pooling layer.</summary>
    public const string Refused = "convert with --maxpool gate (spiking max pooling that passes the spikes of each window's most active input; " +
        Measured + "), or --maxpool average (average pooling instead: a different network), or retrain with average pooling";

    /// <summary>The --maxpool help text.</summary>
    public const string Help = "refuse (default), gate (spiking max pooling: each window passes the spikes of its most active input, " +
        "Rueckauer et al. 2017; the better option, " + Measured + ") or average (replace max pooling by average pooling)";
}
