using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Everything <see cref="SnnConverter.Convert"/> needs besides the CNN and the calibration images. The defaults are
/// the seed's: max-current thresholds per channel (with synapses scaled by the thresholds before), soft reset, membrane readout, 64 calibration steps on all images.
/// </summary>
public sealed record ConversionOptions
{
    /// <summary>
    /// The threshold balancing method with its own settings (granularity, percentile, input rescaling); by name:
    /// <see cref="ThresholdMethods.Create"/>.
    /// </summary>
    public IThresholdMethod Method { get; init; } = new MaxCurrentThresholds();
    /// <summary>What to do with max pooling, which has no exact spiking equivalent.</summary>
    public MaxPoolHandling MaxPool { get; init; } = MaxPoolHandling.Refuse;
    /// <summary>The IF neuron's reset and initial membrane.</summary>
    public NeuronModel Neuron { get; init; } = new();
    /// <summary>How the class is read from the output layer.</summary>
    public Readout Readout { get; init; } = Readout.Membrane;
    /// <summary>Calibrate on a seeded random subset of this many of the given images (null: all of them, as the seed).</summary>
    public int? CalibrationSamples { get; init; }
    /// <summary>T_calib: steps simulated per calibration image (the seed uses its inference latency, 64).</summary>
    public int CalibrationSteps { get; init; } = 64;
    /// <summary>Seed of the calibration subset and of rate-coded calibration input.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Images simulated together during calibration.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>How synaptic currents are computed while calibrating.</summary>
    public SynapseEngine Engine { get; init; } = SynapseEngine.Auto;
    /// <summary>
    /// The latency T the thresholds are chosen for: each threshold minimises the expected squared clip-and-floor error
    /// of the calibrated values at T (<see cref="LatencyThresholdSearch"/>), in place of the method's maximum or
    /// percentile; also the T of post-calibration. Null (the default) keeps the method's own statistic.
    /// </summary>
    public int? TargetSteps { get; init; }
    /// <summary>
    /// Bias and/or membrane calibration after the threshold method, at T = <see cref="TargetSteps"/> (else
    /// <see cref="CalibrationSteps"/>) on up to <see cref="PostCalibrationSamples"/> of the calibration images.
    /// </summary>
    public PostCalibration PostCalibration { get; init; }
    /// <summary>
    /// Images <see cref="PostCalibration"/> uses at most: a seeded subset of the calibration images when they are more
    /// (default <see cref="PostCalibrator.DefaultImages"/>).
    /// </summary>
    public int PostCalibrationSamples { get; init; } = PostCalibrator.DefaultImages;
    /// <summary>
    /// Measure-and-correct passes of each <see cref="PostCalibration"/> step per layer (default
    /// <see cref="PostCalibrator.DefaultPasses"/>: one; more re-measure the layer's error on the same inputs and correct it again).
    /// </summary>
    public int PostCalibrationPasses { get; init; } = PostCalibrator.DefaultPasses;
    /// <summary>Membrane calibration's v(0): one per channel (the default) or one per neuron.</summary>
    public MembraneGranularity MembraneGranularity { get; init; }
    /// <summary>
    /// Delayed evaluation (<see cref="SpikingNetwork.ReadoutDelay"/>): the steps the membrane-readout output layer waits
    /// before it integrates; 0 (the default) integrates from the first step. Ignored when <see cref="ChooseReadoutDelay"/>.
    /// </summary>
    public int ReadoutDelay { get; init; }
    /// <summary>
    /// Chooses the readout delay at <see cref="TargetSteps"/> on up to <see cref="PostCalibrationSamples"/> calibration
    /// images, after post-calibration (<see cref="ReadoutDelaySearch"/>). Needs a target latency.
    /// </summary>
    public bool ChooseReadoutDelay { get; init; }
}
