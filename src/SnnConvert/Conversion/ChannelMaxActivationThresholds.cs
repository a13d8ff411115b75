using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Channel-wise data-based normalisation (Kim, Park, Na &amp; Yoon, "Spiking-YOLO: Spiking Neural Network for
/// Energy-Efficient Object Detection", AAAI 2020): lambda per output channel of each conv layer is the maximum
/// ReLU activation of that channel in the CNN; the synapses leaving channel c are multiplied by lambda[c].
/// Dense hidden layers keep one lambda.
/// </summary>
public sealed record ChannelMaxActivationThresholds : IThresholdMethod
{
    /// <inheritdoc/>
    public string Name => "channel-max-activation";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        ActivationBalancer.Balance(template, settings, ThresholdGranularity.Channel, 100, Name, progress);
}
