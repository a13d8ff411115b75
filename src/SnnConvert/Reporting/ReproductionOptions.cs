using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>What a reproduction runs: the methods, the latencies and the calibration and simulation settings shared by all methods.</summary>
/// <param name="Methods">Methods in report order.</param>
/// <param name="Timesteps">Latencies reported (ascending); the simulation runs to the largest.</param>
/// <param name="Encoding">Input encoding of the simulation.</param>
/// <param name="CalibrationSamples">Calibration images drawn from the training set, or null for all of it.</param>
/// <param name="CalibrationSteps">T_calib.</param>
/// <param name="Seed">Seed of the calibration subset, rate coding and calibration.</param>
/// <param name="BatchSize">Images simulated together.</param>
/// <param name="MaxPool">What conversion does with max pooling.</param>
/// <param name="Neuron">IF neuron settings (null: soft reset, zero initial membrane).</param>
/// <param name="Readout">Output readout (null: membrane).</param>
/// <param name="Engine">How synaptic currents are computed in calibration and simulation.</param>
/// <param name="TargetSteps">The latency every method's thresholds are chosen for (<see cref="ConversionOptions.TargetSteps"/>), or null.</param>
/// <param name="PostCalibration">Corrections after the thresholds (<see cref="ConversionOptions.PostCalibration"/>).</param>
public sealed record ReproductionOptions(IReadOnlyList<MethodVariant> Methods, IReadOnlyList<int> Timesteps, InputEncoding Encoding = InputEncoding.Direct,
    int? CalibrationSamples = null, int CalibrationSteps = 64, int Seed = 1, int BatchSize = 100, MaxPoolHandling MaxPool = MaxPoolHandling.Refuse,
    NeuronModel? Neuron = null, Readout? Readout = null, SynapseEngine Engine = SynapseEngine.Auto, int? TargetSteps = null,
    PostCalibration PostCalibration = PostCalibration.None)
{
    /// <summary>The latencies of the seed's figures: 1, 2, 4, ..., 256.</summary>
    public static IReadOnlyList<int> PaperTimesteps { get; } = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    /// <summary>The conversion settings every method of the run shares (the method itself is set per variant).</summary>
    public ConversionOptions Conversion() => new()
    {
        MaxPool = MaxPool, Neuron = Neuron ?? new(), Readout = Readout ?? Snn.Readout.Membrane,
        CalibrationSteps = CalibrationSteps, Seed = Seed, BatchSize = BatchSize, Engine = Engine,
        TargetSteps = TargetSteps, PostCalibration = PostCalibration,
    };

    /// <summary>Throws <see cref="InvalidSettingException"/> for an empty method or latency list or non-positive sizes.</summary>
    public void Validate()
    {
        // At least one row converts the run's CNN: the report's CNN accuracy and energy are read from such rows.
        if (Methods.All(m => m.Model is not null)) throw new InvalidSettingException(SettingNames.ThresholdMethods, "name at least one threshold method");
        if (Timesteps.Count == 0 || Timesteps.Any(t => t <= 0)) throw new InvalidSettingException(SettingNames.TimeSteps, "give positive latencies, e.g. 1,2,4,8");
        if (CalibrationSamples is <= 0) throw new InvalidSettingException(SettingNames.CalibrationSamples, $"calibration needs at least one image, got {CalibrationSamples}");
        if (CalibrationSteps <= 0) throw new InvalidSettingException(SettingNames.CalibrationSteps, $"must be at least 1, got {CalibrationSteps}");
        if (BatchSize <= 0) throw new InvalidSettingException(SettingNames.BatchSize, $"must be at least 1, got {BatchSize}");
        if (TargetSteps is <= 0) throw new InvalidSettingException(SettingNames.TargetSteps, $"must be at least 1 time step, got {TargetSteps}");
    }
}
