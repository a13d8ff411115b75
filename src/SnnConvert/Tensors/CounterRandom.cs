using System.Runtime.Intrinsics;

namespace SnnConvert.Tensors;

/// <summary>
/// Counter-based uniform draws: draw number <c>counter</c> under a 64-bit key is SplitMix64's output for
/// key + counter * golden ratio. Every draw depends only on (key, counter), so draws can be made in any order, in
/// parallel, or skipped, and the result never depends on the thread count.
/// </summary>
public static class CounterRandom
{
    /// <summary>The top 24 bits of the draw (uniform on 0 .. 2^24 - 1).</summary>
    public static uint Bits24(ulong key, ulong counter)
    {
        ulong z = key + counter * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (uint)((z ^ (z >> 31)) >> 40);
    }

    /// <summary>Bits24 of eight counters at once (64-bit lane multiplies: fast where AVX-512 has them, the same bits anywhere).</summary>
    public static Vector512<ulong> Bits24(ulong key, Vector512<ulong> counter)
    {
        Vector512<ulong> z = Vector512.Create(key) + counter * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >>> 31)) >>> 40;
    }

    /// <summary>The draw as a float uniform on [0, 1), exactly Bits24 * 2^-24.</summary>
    public static float Uniform(ulong key, ulong counter) => Bits24(key, counter) * (1f / (1 << 24));
}
