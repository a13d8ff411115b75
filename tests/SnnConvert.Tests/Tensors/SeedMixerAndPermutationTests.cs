using SnnConvert.Data;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

public class SeedMixerAndPermutationTests
{
    [Fact]
    public void Mix_is_deterministic_and_non_negative()
    {
        Assert.Equal(SeedMixer.Mix(42, 1, 7, 3), SeedMixer.Mix(42, 1, 7, 3));
        Assert.Equal(SeedMixer.Random(42, 2, 5).Next(), new Random(SeedMixer.Mix(42, 2, 5)).Next());
        Assert.Equal(SeedMixer.Random(42, 2, 5).NextDouble(), SeedMixer.Random(42, 2, 5).NextDouble());
        foreach (int seed in new[] { 0, 1, -1, int.MinValue, int.MaxValue })
            Assert.True(SeedMixer.Mix(seed, 3, -9) >= 0);
    }

    [Fact]
    public void Different_seeds_and_parts_give_different_seeds()
    {
        // seed x stream x epoch x batch: 4 * 4 * 10 * 10 = 1600 combinations, all distinct.
        var seeds = new HashSet<int>();
        int count = 0;
        for (int seed = 0; seed < 4; seed++)
            for (long stream = 0; stream < 4; stream++)
                for (long epoch = 0; epoch < 10; epoch++)
                    for (long batch = 0; batch < 10; batch++, count++)
                        seeds.Add(SeedMixer.Mix(seed, stream, epoch, batch));
        Assert.Equal(count, seeds.Count);
        // Order and number of parts matter.
        Assert.NotEqual(SeedMixer.Mix(1, 2, 3), SeedMixer.Mix(1, 3, 2));
        Assert.NotEqual(SeedMixer.Mix(1, 2), SeedMixer.Mix(1, 2, 0));
        Assert.NotEqual(SeedMixer.Mix(1), SeedMixer.Mix(2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Permutation_contains_each_index_once_and_is_reproducible(int n)
    {
        int[] p = Permutation.Of(n, new Random(5));
        Assert.Equal(Enumerable.Range(0, n), p.Order());
        Assert.Equal(p, Permutation.Of(n, new Random(5)));
        if (n == 1000)
        {
            Assert.NotEqual(Enumerable.Range(0, n), p);
            Assert.NotEqual(p, Permutation.Of(n, new Random(6)));
        }
    }

    [Fact]
    public void Permutation_of_three_is_uniform()
    {
        // 60000 draws over 3! = 6 orders: each expected 10000 times (sd ~ 91). A biased shuffle (swapping with
        // any index instead of 0..i) gives each order 4/27 or 5/27 of the draws, i.e. about 8889 or 11111.
        var rng = new Random(7);
        var counts = new Dictionary<string, int>();
        for (int t = 0; t < 60000; t++)
        {
            string key = string.Join(",", Permutation.Of(3, rng));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 9600, 10400));
    }
}
