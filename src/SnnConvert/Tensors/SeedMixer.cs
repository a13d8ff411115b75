namespace SnnConvert.Tensors;

/// <summary>
/// Derives independent seeds from the user's --seed and a purpose (epoch, batch, stream), so that every
/// random choice is reproducible and a resumed run draws exactly what an uninterrupted run would.
/// Mixing is SplitMix64's finaliser.
/// </summary>
public static class SeedMixer
{
    /// <summary>A seed for <paramref name="seed"/> combined with the given components.</summary>
    public static int Mix(int seed, params ReadOnlySpan<long> parts)
    {
        ulong h = (ulong)seed * 0x9E3779B97F4A7C15UL;
        foreach (long part in parts) h = Finalise(h ^ ((ulong)part + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2)));
        return (int)(Finalise(h) & 0x7FFFFFFF);
    }

    /// <summary>A Random for <paramref name="seed"/> and the given components.</summary>
    public static Random Random(int seed, params ReadOnlySpan<long> parts) => new(Mix(seed, parts));

    private static ulong Finalise(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
