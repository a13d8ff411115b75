using SnnConvert.Tensors;

namespace SnnConvert.Conversion;

/// <summary>
/// Streaming statistics of values per group (an output channel, or one group for a whole layer): the maximum,
/// and, when asked, a log-spaced histogram of the positive values for percentiles. The histogram has 64 bins per
/// octave over 2^-40 .. 2^40 (1.1 % relative bin width), so a percentile is found within about 1 % without
/// storing the values. Percentiles are taken over positive values only: zeros (silent ReLUs, negative
/// currents) carry no information about the scale (as in Rueckauer et al. 2017).
/// </summary>
public sealed class ChannelStatistics
{
    private const int BinsPerOctave = 64, MinExponent = -40, Octaves = 80, Bins = BinsPerOctave * Octaves;
    private readonly float[] _max;
    private readonly long[] _positive;
    private readonly long[]? _histogram;   // (groups, Bins)

    /// <summary>Statistics for <paramref name="groups"/> groups, with a histogram when <paramref name="percentiles"/>.</summary>
    public ChannelStatistics(int groups, bool percentiles)
    {
        Groups = groups;
        _max = new float[groups];
        Array.Fill(_max, float.NegativeInfinity);
        _positive = new long[groups];
        if (percentiles) _histogram = new long[groups * Bins];
    }

    /// <summary>Number of groups.</summary>
    public int Groups { get; }

    /// <summary>Adds values laid out (N, C, S): channel c of every sample goes to group c, or everything to group 0 when there is one group.</summary>
    public void Add(ReadOnlySpan<float> values, int channels, int channelSize)
    {
        int block = channels * channelSize;
        for (int start = 0; start < values.Length; start += block)
            for (int c = 0; c < channels; c++)
                AddGroup(Groups == 1 ? 0 : c, values.Slice(start + c * channelSize, channelSize));
    }

    /// <summary>
    /// Adds the statistics gathered by <paramref name="part"/> (same groups and histogram setting): merging the
    /// parts of a split stream gives exactly the statistics of the whole stream (maxima and counts).
    /// </summary>
    public void Merge(ChannelStatistics part)
    {
        if (part.Groups != Groups || (part._histogram is null) != (_histogram is null))
            throw new ArgumentException("statistics of different shapes", nameof(part));
        for (int g = 0; g < Groups; g++)
        {
            _max[g] = Math.Max(_max[g], part._max[g]);
            _positive[g] += part._positive[g];
        }
        if (_histogram is not null)
            for (int b = 0; b < _histogram.Length; b++) _histogram[b] += part._histogram![b];
    }

    private void AddGroup(int group, ReadOnlySpan<float> values)
    {
        if (_histogram is null && values.Length > 0)
        {
            // Maximum and positive count only: vectorised (the calibration's hot loop).
            _max[group] = Math.Max(_max[group], TensorPrimitives.Max(values));
            _positive[group] += SpanMath.CountPositive(values);
            return;
        }
        float max = _max[group];
        long positive = 0;
        Span<long> histogram = _histogram is null ? [] : _histogram.AsSpan(group * Bins, Bins);
        foreach (float v in values)
        {
            if (v > max) max = v;
            if (v <= 0f) continue;
            positive++;
            if (_histogram is not null) histogram[Bin(v)]++;
        }
        _max[group] = max;
        _positive[group] += positive;
    }

    /// <summary>The largest value seen in <paramref name="group"/> (negative infinity when none).</summary>
    public float Max(int group) => _max[group];

    /// <summary>Positive values seen in <paramref name="group"/>.</summary>
    public long PositiveCount(int group) => _positive[group];

    /// <summary>The <paramref name="percentile"/>-th percentile of the positive values of <paramref name="group"/>; 100 is the exact maximum; 0 when there are none.</summary>
    public float Percentile(int group, double percentile)
    {
        if (_positive[group] == 0) return 0f;
        if (percentile >= 100) return _max[group];
        if (_histogram is null) throw new InvalidOperationException("percentiles need statistics created with percentiles: true");
        ReadOnlySpan<long> histogram = _histogram.AsSpan(group * Bins, Bins);
        double rank = percentile / 100.0 * _positive[group];
        long seen = 0;
        for (int b = 0; b < Bins; b++)
        {
            if (histogram[b] == 0) continue;
            if (seen + histogram[b] >= rank)
            {
                // Geometric interpolation inside the bin.
                double fraction = (rank - seen) / histogram[b];
                double exponent = MinExponent + (b + fraction) / BinsPerOctave;
                return (float)Math.Min(Math.Pow(2, exponent), _max[group]);
            }
            seen += histogram[b];
        }
        return _max[group];
    }

    private static int Bin(float v)
    {
        double position = (Math.Log2(v) - MinExponent) * BinsPerOctave;
        return (int)Math.Clamp(position, 0, Bins - 1);
    }
}
