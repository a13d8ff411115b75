using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    /// <see cref="Add(ReadOnlySpan{float}, int, int)"/> for large arrays: samples are split into chunks whose partial
    /// statistics (maxima, counts) are merged in chunk order, so the result equals the sequential one exactly.
    /// </summary>
    public void AddParallel(ReadOnlyMemory<float> values, int channels, int channelSize)
    {
        int block = channels * channelSize, samples = values.Length / block;
        if (_histogram is not null || samples < 2) { Add(values.Span, channels, channelSize); return; }
        int chunks = ChunkedParallel.ChunkCount(samples);
        var max = new float[chunks * Groups];
        var positive = new long[chunks * Groups];
        max.AsSpan().Fill(float.NegativeInfinity);
        ChunkedParallel.For(samples, (chunk, start, end) =>
        {
            Span<float> chunkMax = max.AsSpan(chunk * Groups, Groups);
            Span<long> chunkPositive = positive.AsSpan(chunk * Groups, Groups);
            for (int n = start; n < end; n++)
                for (int c = 0; c < channels; c++)
                {
                    ReadOnlySpan<float> group = values.Span.Slice(n * block + c * channelSize, channelSize);
                    int g = Groups == 1 ? 0 : c;
                    chunkMax[g] = Math.Max(chunkMax[g], TensorPrimitives.Max(group));
                    chunkPositive[g] += CountPositive(group);
                }
        });
        for (int chunk = 0; chunk < chunks; chunk++)
            for (int g = 0; g < Groups; g++)
            {
                _max[g] = Math.Max(_max[g], max[chunk * Groups + g]);
                _positive[g] += positive[chunk * Groups + g];
            }
    }

    private void AddGroup(int group, ReadOnlySpan<float> values)
    {
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

    private static int CountPositive(ReadOnlySpan<float> values)
    {
        int i = 0, count = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float x = ref MemoryMarshal.GetReference(values);
            var counts = Vector256<int>.Zero;
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                counts -= Vector256.GreaterThan(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256<float>.Zero).AsInt32();
            count = Vector256.Sum(counts);
        }
        for (; i < values.Length; i++) count += values[i] > 0f ? 1 : 0;
        return count;
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
