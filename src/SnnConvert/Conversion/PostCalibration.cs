namespace SnnConvert.Conversion;

/// <summary>
/// Corrections applied layer by layer after the thresholds are set, on the calibration images (issue 18, point 3):
/// bias calibration (Li et al. 2021) and per-channel initial membrane calibration (Hao et al. 2023).
/// </summary>
[Flags]
public enum PostCalibration
{
    /// <summary>No correction.</summary>
    None = 0,
    /// <summary>Add to each channel's bias the mean difference between the ANN activation and the SNN's output at the target T.</summary>
    Bias = 1,
    /// <summary>Calibrate each channel's initial membrane potential.</summary>
    Membrane = 2,
}
