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

    // The same arithmetic as the scalar definition (one add, one compare, one subtract per neuron), vectorised: the widest
    // accelerated vectors (512 bits, else Vector<float>), then scalars for the tail.
    private static int StepBlock(ReadOnlySpan<float> current, Span<float> membrane, float theta, Span<float> spikes, bool softReset)
    {
        int n = current.Length, i = 0, count = 0;
        ref float z = ref MemoryMarshal.GetReference(current);
        ref float m = ref MemoryMarshal.GetReference(membrane);
        ref float sp = ref MemoryMarshal.GetReference(spikes);
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
            count = StepVectors<Lanes512, Vector512<float>, Vector512<int>>(ref z, ref m, ref sp, n, out i, theta, softReset);
        else if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
            count = StepVectors<LanesVector, Vector<float>, Vector<int>>(ref z, ref m, ref sp, n, out i, theta, softReset);
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

    // The vector body, written once for both widths: steps the whole vectors, sets done to the first neuron left to the
    // scalar tail and returns the spike count (the index is a local, not the ref, so that it stays in a register).
    private static int StepVectors<TLanes, TVec, TInt>(ref float z, ref float m, ref float sp, int n, out int done, float theta, bool softReset)
        where TLanes : IVectorLanes<TVec, TInt>
    {
        int i = 0;
        TVec th = TLanes.Create(theta), ones = TLanes.One, zero = TLanes.Zero;
        TInt fired = TLanes.NoneFired;
        for (; i <= n - TLanes.Count; i += TLanes.Count)
        {
            TVec v = TLanes.Add(TLanes.Load(ref m, (nuint)i), TLanes.Load(ref z, (nuint)i));
            TVec mask = TLanes.GreaterThanOrEqual(v, th);
            TLanes.Store(TLanes.Select(mask, ones, zero), ref sp, (nuint)i);
            v = softReset ? TLanes.Subtract(v, TLanes.Select(mask, th, zero)) : TLanes.Select(mask, zero, v);
            TLanes.Store(v, ref m, (nuint)i);
            fired = TLanes.AddFired(fired, mask);
        }
        done = i;
        return TLanes.Sum(fired);
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
