using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// The dropout mask element by element against its definition, computed here one counter at a time: element j is kept
/// when the top 24 bits of SplitMix64(key, j) are at least ceil(p * 2^24), key being the context's first NextInt64.
/// Sizes cover the vectorised blocks, their scalar tails and several parallel chunks.
/// </summary>
public sealed class DropoutMaskTests
{
    [Theory]
    [InlineData(0.5f, 3003)]
    [InlineData(0.2f, 40001)]
    [InlineData(0.9f, 17)]
    public void Mask_matches_the_counter_based_definition(float p, int length)
    {
        var x = new Tensor(length, 1);
        x.Span.Fill(1f);
        Tensor y = new DropoutSpec(p).Build(new Random(1)).Forward(x, new ForwardContext(true, new Random(9)));
        ulong key = (ulong)new Random(9).NextInt64(long.MinValue, long.MaxValue);
        uint threshold = (uint)Math.Ceiling(p * (double)(1 << 24));
        float scale = 1f / (1f - p);
        for (int j = 0; j < length; j++)
            Assert.Equal(Bits24(key, j) >= threshold ? scale : 0f, y.Data[j]);
    }

    private static uint Bits24(ulong key, int j)
    {
        ulong z = unchecked(key + ((ulong)j + 1) * 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (uint)((z ^ (z >> 31)) >> 40);
    }
}
