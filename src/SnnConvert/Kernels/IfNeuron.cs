using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SnnConvert.Kernels;

/// <summary>
/// Integrate-and-fire dynamics without leak (docs/method.md, "Neurons"):
/// v(t) = v(t-1) + z(t); s(t) = v(t) &gt;= theta; soft reset v -= theta * s, hard reset v = 0 where s = 1.
/// Data is laid out (N, C, S): S = channelSize consecutive values share channel c's threshold.
/// </summary>
public static class IfNeuron
{
    /// <summary>One step for a block of neurons; returns the number of spikes.</summary>
    /// <param name="current">z(t), (N, C, S) flattened.</param>
    /// <param name="membrane">v, updated in place.</param>
    /// <param name="thresholds">theta per channel (length C) or one value for all (length 1).</param>
    /// <param name="spikes">s(t) written as 0 or 1.</param>
    /// <param name="channelSize">S: values per channel.</param>
    /// <param name="softReset">Reset by subtracting theta (soft); otherwise to zero (hard).</param>
    public static int Step(ReadOnlySpan<float> current, Span<float> membrane, ReadOnlySpan<float> thresholds, Span<float> spikes,
        int channelSize, bool softReset)
    {
        int channels = thresholds.Length;
        if (channels == 1) return StepBlock(current, membrane, thresholds[0], spikes, softReset);   // one threshold: one block
        int count = 0;
        for (int block = 0; block * channelSize < current.Length; block++)
        {
            var range = new Range(block * channelSize, (block + 1) * channelSize);
            count += StepBlock(current[range], membrane[range], thresholds[block % channels], spikes[range], softReset);
        }
        return count;
    }

    // The same arithmetic as the scalar definition (one add, one compare, one subtract per neuron), vectorised.
    private static int StepBlock(ReadOnlySpan<float> current, Span<float> membrane, float theta, Span<float> spikes, bool softReset)
    {
        int n = current.Length, i = 0, count = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var th = Vector512.Create(theta);
            var ones = Vector512<float>.One;
            var fired = Vector512<int>.Zero;
            ref float z = ref MemoryMarshal.GetReference(current);
            ref float m = ref MemoryMarshal.GetReference(membrane);
            ref float sp = ref MemoryMarshal.GetReference(spikes);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref m, (nuint)i) + Vector512.LoadUnsafe(ref z, (nuint)i);
                Vector512<float> mask = Vector512.GreaterThanOrEqual(v, th);
                Vector512.ConditionalSelect(mask, ones, Vector512<float>.Zero).StoreUnsafe(ref sp, (nuint)i);
                v = softReset ? v - Vector512.ConditionalSelect(mask, th, Vector512<float>.Zero) : Vector512.ConditionalSelect(mask, Vector512<float>.Zero, v);
                v.StoreUnsafe(ref m, (nuint)i);
                fired -= mask.AsInt32();   // mask lanes are -1 where a neuron fired
            }
            count = Vector512.Sum(fired);
        }
        else if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var th = new Vector<float>(theta);
            var ones = Vector<float>.One;
            var fired = Vector<int>.Zero;
            ref float z = ref MemoryMarshal.GetReference(current);
            ref float m = ref MemoryMarshal.GetReference(membrane);
            ref float sp = ref MemoryMarshal.GetReference(spikes);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> v = Vector.LoadUnsafe(ref m, (nuint)i) + Vector.LoadUnsafe(ref z, (nuint)i);
                Vector<int> mask = Vector.GreaterThanOrEqual(v, th);
                Vector.ConditionalSelect(mask, ones, Vector<float>.Zero).StoreUnsafe(ref sp, (nuint)i);
                v = softReset ? v - Vector.ConditionalSelect(mask, th, Vector<float>.Zero) : Vector.ConditionalSelect(mask, Vector<float>.Zero, v);
                v.StoreUnsafe(ref m, (nuint)i);
                fired -= mask;   // mask lanes are -1 where a neuron fired
            }
            count = Vector.Sum(fired);
        }
        for (; i < n; i++)
        {
            float v = membrane[i] + current[i];
            if (v >= theta)
            {
                spikes[i] = 1f;
                v = softReset ? v - theta : 0f;
                count++;
            }
            else spikes[i] = 0f;
            membrane[i] = v;
        }
        return count;
    }

    /// <summary>Sets v(0) for a block laid out like <see cref="Step"/>: theta / 2 with <paramref name="halfThreshold"/>, else 0.</summary>
    public static void Initialise(Span<float> membrane, ReadOnlySpan<float> thresholds, int channelSize, bool halfThreshold)
    {
        if (!halfThreshold) { membrane.Clear(); return; }
        int channels = thresholds.Length;
        for (int block = 0; block * channelSize < membrane.Length; block++)
            membrane.Slice(block * channelSize, channelSize).Fill(0.5f * thresholds[channels == 1 ? 0 : block % channels]);
    }
}
