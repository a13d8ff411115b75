using System.Numerics;
using System.Runtime.CompilerServices;
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
        where TLanes : ILanes<TVec, TInt>
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

    // The vector operations StepVectors needs, for one vector type (as TensorPrimitives' operator structs): masks are
    // float vectors with all bits set where true; fired counts lanes in an int vector (mask lanes are -1 where set).
    private interface ILanes<TVec, TInt>
    {
        static abstract int Count { get; }
        static abstract TVec One { get; }
        static abstract TVec Zero { get; }
        static abstract TInt NoneFired { get; }
        static abstract TVec Create(float value);
        static abstract TVec Load(ref float source, nuint at);
        static abstract void Store(TVec value, ref float destination, nuint at);
        static abstract TVec Add(TVec a, TVec b);
        static abstract TVec Subtract(TVec a, TVec b);
        static abstract TVec GreaterThanOrEqual(TVec a, TVec b);
        static abstract TVec Select(TVec mask, TVec whenSet, TVec otherwise);
        static abstract TInt AddFired(TInt fired, TVec mask);
        static abstract int Sum(TInt fired);
    }

    private readonly struct Lanes512 : ILanes<Vector512<float>, Vector512<int>>
    {
        public static int Count => Vector512<float>.Count;
        public static Vector512<float> One => Vector512<float>.One;
        public static Vector512<float> Zero => Vector512<float>.Zero;
        public static Vector512<int> NoneFired => Vector512<int>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> whenSet, Vector512<float> otherwise) => Vector512.ConditionalSelect(mask, whenSet, otherwise);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> AddFired(Vector512<int> fired, Vector512<float> mask) => fired - mask.AsInt32();
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector512<int> fired) => Vector512.Sum(fired);
    }

    private readonly struct LanesVector : ILanes<Vector<float>, Vector<int>>
    {
        public static int Count => Vector<float>.Count;
        public static Vector<float> One => Vector<float>.One;
        public static Vector<float> Zero => Vector<float>.Zero;
        public static Vector<int> NoneFired => Vector<int>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Create(float value) => new(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Load(ref float source, nuint at) => Vector.LoadUnsafe(ref source, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Add(Vector<float> a, Vector<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Subtract(Vector<float> a, Vector<float> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> GreaterThanOrEqual(Vector<float> a, Vector<float> b) => Vector.GreaterThanOrEqual<float>(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Select(Vector<float> mask, Vector<float> whenSet, Vector<float> otherwise) => Vector.ConditionalSelect(mask, whenSet, otherwise);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> AddFired(Vector<int> fired, Vector<float> mask) => fired - Vector.AsVectorInt32(mask);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector<int> fired) => Vector.Sum(fired);
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
