namespace SnnConvert.Conversion;

/// <summary>
/// Corrections applied after any threshold method, layer by layer on calibration images at the target latency
/// (<see cref="PostCalibrator"/>, docs/method.md "Post-calibration").
/// </summary>
[Flags]
public enum PostCalibration
{
    /// <summary>None: the threshold method's network as it is.</summary>
    None = 0,
    /// <summary>Bias calibration (Li et al. 2021, ICML, "A Free Lunch From ANN", light pipeline): each channel's bias gets the mean difference between the analog activation and the SNN's output rate x theta.</summary>
    Bias = 1,
    /// <summary>Membrane calibration: v(0) = theta / 2 per channel (Deng &amp; Gu 2021), shifted by the measured mean offset spikes times theta (Hao et al. 2023, ICLR).</summary>
    Membrane = 2,
}
