using SnnConvert.Conversion;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>The parallel statistics pass equals the sequential one and a brute-force maximum.</summary>
public class ChannelStatisticsTests
{
    [Theory]
    [InlineData(1, 12, 37, 57)]     // one group for the whole layer
    [InlineData(12, 12, 37, 57)]    // per channel, a channel size that is not a multiple of the vector width
    [InlineData(64, 64, 1, 300)]    // dense layer outputs as channels of size 1
    [InlineData(4, 4, 9, 1)]        // a single sample: the sequential path
    public void Parallel_equals_sequential_and_brute_force(int groups, int channels, int channelSize, int samples)
    {
        var random = new Random(groups * 1000 + samples);
        var values = new float[samples * channels * channelSize];
        for (int i = 0; i < values.Length; i++) values[i] = random.Next(4) == 0 ? 0f : (float)(random.NextDouble() * 4 - 1.5);
        var sequential = new ChannelStatistics(groups, percentiles: false);
        var parallel = new ChannelStatistics(groups, percentiles: false);
        sequential.Add(values, channels, channelSize);
        parallel.AddParallel(values, channels, channelSize);
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
            Assert.Equal(max, sequential.Max(g));
            Assert.Equal(max, parallel.Max(g));
            Assert.Equal(positive, sequential.PositiveCount(g));
            Assert.Equal(positive, parallel.PositiveCount(g));
        }
    }
}
