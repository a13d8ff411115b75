using SnnConvert.Data;
using SnnConvert.Errors;

namespace SnnConvert.Conversion;

/// <summary>Which images calibrate the thresholds, and how the SNN is run during calibration.</summary>
/// <param name="Data">Calibration images (the seed uses the whole training set).</param>
/// <param name="Steps">T_calib: steps simulated per image (the seed uses its inference latency, 64).</param>
/// <param name="Seed">Seed of rate-coded calibration input.</param>
/// <param name="BatchSize">Images simulated together.</param>
/// <param name="Engine">How synaptic currents are computed while calibrating.</param>
/// <param name="Target">The latency thresholds are chosen for (<see cref="LatencyThresholdSearch"/>), or null for each method's own statistic.</param>
public sealed record CalibrationSettings(ImageDataset Data, int Steps = 64, int Seed = 1, int BatchSize = 100, Snn.SynapseEngine Engine = Snn.SynapseEngine.Auto,
    LatencyTarget? Target = null)
{
    /// <summary>
    /// The CNN's QCFS activations by stage of the template (<see cref="SnnConverter.Convert"/> fills them in; empty for a
    /// ReLU network): the thresholds <see cref="QcfsThresholds"/> takes, and the activations post-calibration aims at.
    /// </summary>
    public IReadOnlyDictionary<int, QcfsActivation> Qcfs { get; init; } = new Dictionary<int, QcfsActivation>();

    /// <summary>Throws <see cref="InvalidSettingException"/> for empty data or non-positive sizes or target.</summary>
    public void Validate()
    {
        if (Data.Count == 0) throw new InvalidSettingException(SettingNames.CalibrationSamples, "calibration needs at least one image, got 0");
        if (Steps <= 0) throw new InvalidSettingException(SettingNames.CalibrationSteps, $"must be at least 1, got {Steps}");
        if (BatchSize <= 0) throw new InvalidSettingException(SettingNames.BatchSize, $"must be at least 1, got {BatchSize}");
        Target?.Validate();
    }
}

/// <summary>Progress of a threshold method: which layer, and how many calibration images it has seen.</summary>
/// <param name="Stage">Stage being calibrated (or -1 for a pass over all layers).</param>
/// <param name="Description">What is being done.</param>
/// <param name="Done">Images done in this pass.</param>
/// <param name="Total">Images in this pass.</param>
public sealed record CalibrationProgress(int Stage, string Description, int Done, int Total);
