using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Data-based normalisation (Diehl, Neil, Binas, Cook, Liu &amp; Pfeiffer, "Fast-Classifying, High-Accuracy Spiking
/// Deep Networks Through Weight and Threshold Balancing", IJCNN 2015): lambda_l is the maximum ReLU activation of
/// layer l in the CNN over the calibration images; weights W_l lambda_{l-1} / lambda_l with threshold 1, written
/// here as threshold lambda_l with synapses W_l lambda_{l-1}.
/// </summary>
public sealed record MaxActivationThresholds : IThresholdMethod
{
    /// <inheritdoc/>
    public string Name => "max-activation";

    /// <inheritdoc/>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null) =>
        ActivationBalancer.Balance(template, settings, ThresholdGranularity.Layer, 100, Name, progress);
}
