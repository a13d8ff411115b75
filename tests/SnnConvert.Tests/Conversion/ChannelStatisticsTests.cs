using SnnConvert.Conversion;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Statistics gathered in parts and merged equal those of one stream and a brute-force maximum.</summary>
public class ChannelStatisticsTests
{
    [Theory]
    [InlineData(1, 12, 37, 57)]     // one group for the whole layer
    [InlineData(12, 12, 37, 57)]    // per channel, a channel size that is not a multiple of the vector width
    [InlineData(64, 64, 1, 300)]    // dense layer outputs as channels of size 1
    public void Merged_parts_equal_one_stream_and_brute_force(int groups, int channels, int channelSize, int samples)
    {
        var random = new Random(groups * 1000 + samples);
        var values = new float[samples * channels * channelSize];
        for (int i = 0; i < values.Length; i++) values[i] = random.Next(4) == 0 ? 0f : (float)(random.NextDouble() * 4 - 1.5);
        foreach (bool percentiles in new[] { false, true })
        {
            var whole = new ChannelStatistics(groups, percentiles);
            whole.Add(values, channels, channelSize);
            var merged = new ChannelStatistics(groups, percentiles);
            int sample = channels * channelSize;
            for (int part = 0; part < 3; part++)
            {
                var partial = new ChannelStatistics(groups, percentiles);
                int from = samples * part / 3, to = samples * (part + 1) / 3;
                for (int n = from; n < to; n++) partial.Add(values.AsSpan(n * sample, sample), channels, channelSize);
                merged.Merge(partial);
            }
            for (int g = 0; g < groups; g++)
            {
                float max = float.NegativeInfinity;
                long positive = 0;
                for (int n = 0; n < samples; n++)
                    for (int c = 0; c < channels; c++)
                        if (groups == 1 || c == g)
                            for (int p = 0; p < channelSize; p++)
                            {
                                float v = values[(n * channels + c) * channelSize + p];
                                max = Math.Max(max, v);
                                positive += v > 0 ? 1 : 0;
                            }
                Assert.Equal(max, whole.Max(g));
                Assert.Equal(max, merged.Max(g));
                Assert.Equal(positive, whole.PositiveCount(g));
                Assert.Equal(positive, merged.PositiveCount(g));
                if (percentiles) Assert.Equal(whole.Percentile(g, 99.9), merged.Percentile(g, 99.9));
            }
        }
    }

    [Fact]
    public void Reading_midway_then_adding_more_keeps_the_maximum_and_counts()
    {
        // Reads fold the running per-element values into the groups; later adds must start from there.
        var stats = new ChannelStatistics(2, false);
        stats.Add([1f, -2f, 0f, 3f], 2, 2);
        Assert.Equal(1f, stats.Max(0));
        Assert.Equal(3f, stats.Max(1));
        stats.Add([5f, 0.5f, -1f, -4f, 0f, 0f, 2f, 1f], 2, 2);
        Assert.Equal(5f, stats.Max(0));
        Assert.Equal(3f, stats.Max(1));
        Assert.Equal(3, stats.PositiveCount(0));
        Assert.Equal(3, stats.PositiveCount(1));
        // A different layout (4 channels of 1) for the same groups would be a caller error; one group takes any layout.
        var layer = new ChannelStatistics(1, false);
        layer.Add([1f, 2f, 0f, -1f], 2, 2);
        layer.Add([7f, 0f, 0f], 3, 1);
        Assert.Equal(7f, layer.Max(0));
        Assert.Equal(3, layer.PositiveCount(0));
    }

    [Fact]
    public void A_nan_current_makes_the_maximum_nan()
    {
        var stats = new ChannelStatistics(1, false);
        stats.Add([1f, float.NaN, 2f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f], 17, 1);
        Assert.True(float.IsNaN(stats.Max(0)));
    }

    [Fact]
    public void Merge_refuses_other_shapes() =>
        Assert.Throws<ArgumentException>(() => new ChannelStatistics(3, false).Merge(new ChannelStatistics(4, false)));

    [Fact]
    public void The_fast_bin_is_the_exact_bin_everywhere_and_at_every_edge()
    {
        var random = new Random(7);
        var values = new List<float>();
        for (int i = 0; i < 2_000_000; i++) values.Add(BitConverter.Int32BitsToSingle(random.Next(1, 0x7F800000)));   // every positive finite float
        for (int k = -45 * 64; k <= 45 * 64; k++)
        {
            // The bin edges 2^(k/64) and their float neighbours, where a rounding difference would show.
            float edge = (float)Math.Pow(2, k / 64.0);
            for (int d = -3; d <= 3; d++) values.Add(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(edge) + d));
        }
        foreach (float v in values.Where(v => v > 0 && float.IsFinite(v)))
            Assert.True(ChannelStatistics.ExactBin(v) == ChannelStatistics.Bin(v), $"{v:R}: exact {ChannelStatistics.ExactBin(v)}, fast {ChannelStatistics.Bin(v)}");
    }

    [Fact]
    public void The_histogram_counts_every_value_in_its_exact_bin_on_the_vector_and_the_scalar_path()
    {
        // Values of every sign and scale (out-of-range positives, zeros, NaN, edges) through Add with 3 channels of 37
        // (vectors of 16 and scalar tails) and with one group; held to counts made with ExactBin, value by value.
        var random = new Random(11);
        var values = new float[3 * 37 * 400];
        for (int i = 0; i < values.Length; i++)
            values[i] = (i % 7) switch
            {
                0 => BitConverter.Int32BitsToSingle(random.Next(1, 0x7F800000)),
                1 => -(float)random.NextDouble(),
                2 => 0f,
                3 => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits((float)Math.Pow(2, random.Next(-42 * 64, 42 * 64) / 64.0)) + random.Next(-2, 3)),
                4 => i % 1000 == 4 ? float.NaN : (float)(random.NextDouble() * 4),
                _ => (float)Math.Exp(random.NextDouble() * 10 - 5),
            };
        foreach (int groups in new[] { 3, 1 })
        {
            var stats = new ChannelStatistics(groups, percentiles: true);
            stats.Add(values, 3, 37);
            for (int g = 0; g < groups; g++)
            {
                var expected = new SortedDictionary<int, long>();
                float max = float.NegativeInfinity;
                for (int i = 0; i < values.Length; i++)
                {
                    if (groups > 1 && i / 37 % 3 != g) continue;
                    float v = values[i];
                    if (v > max) max = v;
                    if (v > 0f) expected[ChannelStatistics.ExactBin(v)] = expected.GetValueOrDefault(ChannelStatistics.ExactBin(v)) + 1;
                }
                var bins = expected.Select(e => (Math.Min(Math.Pow(2, -40 + (e.Key + 0.5) / 64), max), e.Value)).ToArray();
                Assert.Equal(max, stats.Max(g));
                Assert.Equal(expected.Values.Sum(), stats.PositiveCount(g));
                Assert.Equal(bins, stats.Histogram(g));
            }
        }
    }

    [Theory]
    [InlineData(3, 37)]    // vectors of 16 and of 8 with scalar tails
    [InlineData(64, 64)]   // mnist-seed's second conv: whole vectors only
    [InlineData(5, 7)]     // shorter than a vector: scalar only
    public void The_AVX2_and_AVX_512_fills_give_the_exact_counts_maxima_and_positives(int channels, int channelSize)
    {
        // The AVX2 path runs here even on an AVX-512 machine (allow512: false); both are held to ExactBin, value by value.
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) return;
        const int stride = ChannelStatistics.Bins + HistogramFill.SpillSlots;
        var random = new Random(channels * 100 + channelSize);
        var values = new float[channels * channelSize * 150];
        for (int i = 0; i < values.Length; i++)
            values[i] = (i % 5) switch
            {
                0 => BitConverter.Int32BitsToSingle(random.Next(1, 0x7F800000)),   // any positive float, some outside the octaves
                1 => -(float)random.NextDouble(),
                2 => 0f,
                3 => i % 997 == 3 ? float.NaN : (float)(random.NextDouble() * 4),
                _ => (float)Math.Exp(random.NextDouble() * 10 - 5),
            };
        var expected = new long[channels * stride];
        var expectedMax = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        var expectedPositive = new long[channels];
        for (int i = 0; i < values.Length; i++)
        {
            int c = i / channelSize % channels;
            float v = values[i];
            if (v > expectedMax[c]) expectedMax[c] = v;
            if (v > 0f) { expected[c * stride + ChannelStatistics.ExactBin(v)]++; expectedPositive[c]++; }
        }
        foreach (bool allow512 in new[] { false, true })
        {
            var counts = new long[channels * stride];
            var max = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
            var positive = new long[channels];
            // In two calls, as blocks arrive: the maxima and counts carry over.
            int half = values.Length / 2 / (channels * channelSize) * channels * channelSize;
            HistogramFill.AddChannels(counts, stride, values.AsSpan(0, half), channels, channelSize, max, positive, allow512);
            HistogramFill.AddChannels(counts, stride, values.AsSpan(half), channels, channelSize, max, positive, allow512);
            Assert.Equal(expected, counts);
            Assert.Equal(expectedMax, max);
            Assert.Equal(expectedPositive, positive);
        }
    }

    [Fact]
    public void Every_float_of_an_octave_is_counted_in_its_exact_bin()
    {
        // All 2^23 floats in [1, 2): the fill estimates the bin within the octave and corrects it against the edges, so
        // an estimate off by more than one bin would show here as a count in a wrong bin (the edges repeat in every
        // octave, which The_fast_bin_is_the_exact_bin_everywhere_and_at_every_edge checks).
        var values = new float[1 << 23];
        var expected = new long[64];
        int first = ChannelStatistics.ExactBin(1f);
        for (int m = 0; m < values.Length; m++)
        {
            values[m] = BitConverter.Int32BitsToSingle((127 << 23) | m);
            expected[ChannelStatistics.ExactBin(values[m]) - first]++;
        }
        var stats = new ChannelStatistics(1, percentiles: true);
        stats.Add(values, 1, 1 << 10);
        long[] counts = stats.Histogram(0).Select(b => b.Count).ToArray();
        Assert.Equal(expected, counts);
        Assert.Equal(values.Length, stats.PositiveCount(0));
    }
}
