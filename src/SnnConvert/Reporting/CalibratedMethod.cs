using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>One method's conversion as a reproduction uses it: calibrated now (<see cref="RowCalibrator"/>), or loaded from a <see cref="ConversionsFolder"/>.</summary>
/// <param name="Snn">The converted network.</param>
/// <param name="Warnings">The converter's warnings.</param>
/// <param name="CalibrationSeconds">Wall time of the calibration, thresholds and post-calibration (when loaded: of the run that calibrated it).</param>
public sealed record CalibratedMethod(SpikingNetwork Snn, IReadOnlyList<string> Warnings, double CalibrationSeconds);
