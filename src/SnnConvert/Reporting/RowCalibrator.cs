using System.Diagnostics;
using System.Globalization;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;

namespace SnnConvert.Reporting;

/// <summary>
/// Calibrates the rows of one reproduction (or of one shard, or a <see cref="ConversionsFolder"/>), calibrating the
/// thresholds once for rows that share them: a row whose conversion differs from an earlier row's only by post-calibration,
/// with the same latency target (<see cref="SnnConverter.SharesThresholds"/>) and the same CNN, post-calibrates that
/// row's balanced network (<see cref="SnnConverter.PostCalibrate"/>) and gets, to the bit, the network it would have
/// calibrated alone. A row whose sharer was not calibrated here (loaded from a checkpoint, or in another shard)
/// calibrates its thresholds itself. Balanced networks are kept only while a later row of the list needs them.
/// </summary>
public sealed class RowCalibrator
{
    private readonly SavedModel _cnn;
    private readonly ConversionOptions _conversion;
    private readonly IReadOnlyList<MethodVariant> _rows;
    private readonly ImageDataset _calibration;
    private readonly IReproductionObserver _observer;
    private readonly List<Kept> _kept = [];

    /// <summary>A calibrator of <paramref name="rows"/>, which are calibrated in this order (some may be skipped).</summary>
    /// <param name="cnn">The run's trained CNN.</param>
    /// <param name="conversion">The settings every row shares (<see cref="ReproductionOptions.Conversion"/>); each row's own are applied to them.</param>
    /// <param name="rows">The rows this calibrator may be asked for, in order.</param>
    /// <param name="calibration">The calibration subset.</param>
    /// <param name="observer">Progress display.</param>
    public RowCalibrator(SavedModel cnn, ConversionOptions conversion, IReadOnlyList<MethodVariant> rows, ImageDataset calibration, IReproductionObserver observer)
    {
        _cnn = cnn;
        _conversion = conversion;
        _rows = rows;
        _calibration = calibration;
        _observer = observer;
    }

    /// <summary>
    /// Whether <paramref name="later"/> can finish from <paramref name="earlier"/>'s balanced network: the same CNN and
    /// options equal but for post-calibration, thresholds chosen for the same target.
    /// </summary>
    public static bool SharesThresholds(MethodVariant earlier, MethodVariant later, ConversionOptions conversion) =>
        ReferenceEquals(earlier.Model, later.Model) && SnnConverter.SharesThresholds(earlier.Apply(conversion), later.Apply(conversion));

    /// <summary>
    /// Converts the run's CNN (or the row's own, <see cref="MethodVariant.Model"/>) with <paramref name="variant"/>'s method
    /// and conversion settings (<see cref="MethodVariant.Apply"/>). Its calibration time counts the thresholds and the
    /// post-calibration: for a row that shares an earlier row's thresholds, the time that row's thresholds took plus its
    /// own post-calibration (so that it reads the same whether or not the thresholds were shared; the run's total is what was spent).
    /// </summary>
    public CalibratedMethod Calibrate(MethodVariant variant)
    {
        int index = IndexOf(variant);
        ConversionOptions options = variant.Apply(_conversion);
        var clock = Stopwatch.StartNew();
        Kept? shared = _kept.FirstOrDefault(k => SharesThresholds(k.Row, variant, _conversion));
        double thresholdSeconds = shared?.Seconds ?? 0;
        var (snn, warnings) = _observer.Calibrating(variant.Label, progress =>
        {
            if (shared is not null) return SnnConverter.PostCalibrate(shared.Thresholds, options, progress);
            ThresholdedNetwork thresholds = SnnConverter.Threshold(variant.Model?.Cnn ?? _cnn, options, _calibration, progress);
            thresholdSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            if (_rows.Skip(index + 1).Any(row => SharesThresholds(variant, row, _conversion)))
                _kept.Add(new Kept(variant, thresholds, thresholdSeconds));
            return SnnConverter.PostCalibrate(thresholds, options, progress);
        });
        _observer.Converted(variant.Label, snn, warnings);
        double own = clock.Elapsed.TotalSeconds, seconds = thresholdSeconds + own;
        var inv = CultureInfo.InvariantCulture;
        _observer.Log(shared is null
            ? $"{variant.Label}: calibrated in {seconds.ToString("F1", inv)} s"
            : $"{variant.Label}: thresholds shared with {shared.Row.Label} (calibrated in {shared.Seconds.ToString("F1", inv)} s), " +
              $"post-calibrated in {own.ToString("F1", inv)} s");
        // Drop what no later row can use.
        _kept.RemoveAll(k => !_rows.Skip(index + 1).Any(row => SharesThresholds(k.Row, row, _conversion)));
        return new CalibratedMethod(snn, warnings, seconds);
    }

    private int IndexOf(MethodVariant variant)
    {
        for (int i = 0; i < _rows.Count; i++)
            if (ReferenceEquals(_rows[i], variant)) return i;
        return _rows.Count;   // not one of the rows: nothing after it to share with
    }

    /// <summary>A row's balanced network kept for the later rows that share it.</summary>
    private sealed record Kept(MethodVariant Row, ThresholdedNetwork Thresholds, double Seconds);
}
