using System.Diagnostics;
using System.Globalization;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>One method's conversion as a reproduction uses it: calibrated now, or loaded from a <see cref="ConversionsFolder"/>.</summary>
/// <param name="Snn">The converted network.</param>
/// <param name="Warnings">The converter's warnings.</param>
/// <param name="CalibrationSeconds">Wall time of the calibration (when loaded: of the run that calibrated it).</param>
public sealed record CalibratedMethod(SpikingNetwork Snn, IReadOnlyList<string> Warnings, double CalibrationSeconds)
{
    /// <summary>
    /// Converts <paramref name="cnn"/> (or the row's own CNN, <see cref="MethodVariant.Model"/>) with <paramref name="variant"/>'s
    /// method and its own conversion settings (<see cref="MethodVariant.Apply"/>), calibrating on <paramref name="calibration"/>.
    /// </summary>
    /// <param name="cnn">The run's trained CNN.</param>
    /// <param name="conversion">The settings every method shares (<see cref="ReproductionOptions.Conversion"/>); the row's own target latency and post-calibration are applied to them.</param>
    /// <param name="variant">The method.</param>
    /// <param name="calibration">The calibration subset.</param>
    /// <param name="observer">Progress display.</param>
    public static CalibratedMethod Calibrate(SavedModel cnn, ConversionOptions conversion, MethodVariant variant, ImageDataset calibration,
        IReproductionObserver observer)
    {
        var clock = Stopwatch.StartNew();
        var (snn, warnings) = observer.Calibrating(variant.Label,
            progress => SnnConverter.Convert(variant.Model?.Cnn ?? cnn, variant.Apply(conversion), calibration, progress));
        observer.Converted(variant.Label, snn, warnings);
        double seconds = clock.Elapsed.TotalSeconds;
        observer.Log($"{variant.Label}: calibrated in {seconds.ToString("F1", CultureInfo.InvariantCulture)} s");
        return new CalibratedMethod(snn, warnings, seconds);
    }
}
