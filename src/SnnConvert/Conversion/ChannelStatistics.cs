using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    internal const int BinsPerOctave = 64, MinExponent = -40, Octaves = 80, Bins = BinsPerOctave * Octaves;
    private const int Stride = Bins + HistogramFill.SpillSlots;   // per group: the bins, then HistogramFill's spill slots (always 0 between calls)
    private readonly float[] _max;
    private readonly long[] _positive;
    private readonly long[]? _histogram;   // (groups, Stride)
    // Without a histogram, Add keeps a running maximum and positive count per element of the (C, S) block, one
    // vector pass per block; they are folded into the groups when read (max and counts are exact in any order).
    private float[] _elementMax = [];
    private int[] _elementPositive = [];
    private int _blockChannels, _blockChannelSize, _pendingBlocks;

    /// <summary>Statistics for <paramref name="groups"/> groups, with a histogram when <paramref name="percentiles"/>.</summary>
    public ChannelStatistics(int groups, bool percentiles)
    {
        Groups = groups;
        _max = new float[groups];
        Array.Fill(_max, float.NegativeInfinity);
        _positive = new long[groups];
        if (percentiles) _histogram = new long[groups * Stride];
    }

    /// <summary>Number of groups.</summary>
    public int Groups { get; }

    /// <summary>Adds values laid out (N, C, S): channel c of every sample goes to group c, or everything to group 0 when there is one group.</summary>
    public void Add(ReadOnlySpan<float> values, int channels, int channelSize)
    {
        int block = channels * channelSize;
        if (_histogram is null && block > 0 && values.Length % block == 0)
        {
            if (block != _elementMax.Length || channels != _blockChannels || _pendingBlocks > int.MaxValue - values.Length / block) Fold();
            if (block != _elementMax.Length)
            {
                _elementMax = new float[block];
                Array.Fill(_elementMax, float.NegativeInfinity);
                _elementPositive = new int[block];
            }
            (_blockChannels, _blockChannelSize) = (channels, channelSize);
            for (int start = 0; start < values.Length; start += block) AddElementwise(values.Slice(start, block));
            _pendingBlocks += values.Length / block;
            return;
        }
        if (Groups == 1)
        {
            AddGroup(0, values);   // in one pass: with a channel size of 1 (a dense layer) a pass per channel would cost more than the values
            return;
        }
        if (_histogram is not null)
        {
            if (values.Length == 0) return;
            if (block <= 0 || values.Length % block != 0) throw new ArgumentException($"{values.Length} values are not whole samples of {channels} x {channelSize}", nameof(values));
            HistogramFill.AddChannels(_histogram, Stride, values, channels, channelSize, _max, _positive);
            return;
        }
        for (int start = 0; start < values.Length; start += block)
            for (int c = 0; c < channels; c++)
                AddGroup(c, values.Slice(start + c * channelSize, channelSize));
    }

    /// <summary>
    /// Adds the statistics gathered by <paramref name="part"/> (same groups and histogram setting): merging the
    /// parts of a split stream gives exactly the statistics of the whole stream (maxima and counts).
    /// </summary>
    public void Merge(ChannelStatistics part)
    {
        if (part.Groups != Groups || (part._histogram is null) != (_histogram is null))
            throw new ArgumentException("statistics of different shapes", nameof(part));
        Fold();
        part.Fold();
        for (int g = 0; g < Groups; g++)
        {
            _max[g] = Math.Max(_max[g], part._max[g]);
            _positive[g] += part._positive[g];
        }
        if (_histogram is not null)
            for (int b = 0; b < _histogram.Length; b++) _histogram[b] += part._histogram![b];
    }

    // The calibration's hot loop: one vector pass of max and compare over the block.
    private void AddElementwise(ReadOnlySpan<float> values)
    {
        Span<float> max = _elementMax;
        Span<int> positive = _elementPositive;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref float x = ref MemoryMarshal.GetReference(values);
            ref float m = ref MemoryMarshal.GetReference(max);
            ref int c = ref MemoryMarshal.GetReference(positive);
            for (; i + Vector512<float>.Count <= values.Length; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref x, (nuint)i);
                Vector512.Max(Vector512.LoadUnsafe(ref m, (nuint)i), v).StoreUnsafe(ref m, (nuint)i);
                (Vector512.LoadUnsafe(ref c, (nuint)i) - Vector512.GreaterThan(v, Vector512<float>.Zero).AsInt32()).StoreUnsafe(ref c, (nuint)i);
            }
        }
        if (Vector.IsHardwareAccelerated)
            for (; i + Vector<float>.Count <= values.Length; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values.Slice(i));
                Vector.Max(new Vector<float>(max.Slice(i)), v).CopyTo(max.Slice(i));
                (new Vector<int>(positive.Slice(i)) - Vector.GreaterThan(v, Vector<float>.Zero)).CopyTo(positive.Slice(i));   // lanes are -1 where greater
            }
        for (; i < values.Length; i++)
        {
            max[i] = Math.Max(max[i], values[i]);
            positive[i] += values[i] > 0f ? 1 : 0;
        }
    }

    // Moves the per-element maxima and counts into their groups.
    private void Fold()
    {
        if (_pendingBlocks == 0) return;
        for (int i = 0; i < _elementMax.Length; i++)
        {
            int group = Groups == 1 ? 0 : i / _blockChannelSize;
            _max[group] = Math.Max(_max[group], _elementMax[i]);
            _positive[group] += _elementPositive[i];
        }
        Array.Fill(_elementMax, float.NegativeInfinity);
        Array.Clear(_elementPositive);
        _pendingBlocks = 0;
    }

    private void AddGroup(int group, ReadOnlySpan<float> values)
    {
        float max = _max[group];
        long positive = 0;
        if (_histogram is null)
            foreach (float v in values)
            {
                if (v > max) max = v;
                if (v > 0f) positive++;
            }
        else positive = HistogramFill.Add(_histogram.AsSpan(group * Stride, Stride), values, ref max);
        _max[group] = max;
        _positive[group] += positive;
    }

    /// <summary>The largest value seen in <paramref name="group"/> (negative infinity when none).</summary>
    public float Max(int group)
    {
        Fold();
        return _max[group];
    }

    /// <summary>Positive values seen in <paramref name="group"/>.</summary>
    public long PositiveCount(int group)
    {
        Fold();
        return _positive[group];
    }

    /// <summary>The <paramref name="percentile"/>-th percentile of the positive values of <paramref name="group"/>; 100 is the exact maximum; 0 when there are none.</summary>
    public float Percentile(int group, double percentile)
    {
        Fold();
        if (_positive[group] == 0) return 0f;
        if (percentile >= 100) return _max[group];
        if (_histogram is null) throw new InvalidOperationException("percentiles need statistics created with percentiles: true");
        ReadOnlySpan<long> histogram = _histogram.AsSpan(group * Stride, Bins);
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

    /// <summary>
    /// The histogram of the positive values of <paramref name="group"/> as (value, count) for every non-empty bin in
    /// ascending order, the value being the bin's geometric centre (at most the exact maximum).
    /// </summary>
    /// <exception cref="InvalidOperationException">The statistics were created without a histogram.</exception>
    public (double Value, long Count)[] Histogram(int group)
    {
        Fold();
        if (_histogram is null) throw new InvalidOperationException("bins need statistics created with percentiles: true");
        ReadOnlySpan<long> histogram = _histogram.AsSpan(group * Stride, Bins);
        var bins = new List<(double, long)>();
        for (int b = 0; b < Bins; b++)
            if (histogram[b] > 0) bins.Add((Math.Min(Math.Pow(2, MinExponent + (b + 0.5) / BinsPerOctave), _max[group]), histogram[b]));
        return bins.ToArray();
    }

    /// <summary>The histogram bin of a positive value, always <see cref="ExactBin"/>'s, in integer arithmetic (<see cref="HistogramFill.Bin"/>).</summary>
    internal static int Bin(float v) => HistogramFill.Bin(v);

    /// <summary>The bin of a positive value by its definition: floor((log2 v + 40) * 64), clamped to the histogram.</summary>
    internal static int ExactBin(float v)
    {
        double position = (Math.Log2(v) - MinExponent) * BinsPerOctave;
        return (int)Math.Clamp(position, 0, Bins - 1);
    }
}
