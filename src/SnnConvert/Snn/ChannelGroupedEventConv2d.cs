using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SnnConvert.Layers;

namespace SnnConvert.Snn;

/// <summary>
/// Event-driven current of a stride-1 convolution that groups the events of one input position: the weight vectors
/// of all its non-zero input channels are summed in registers, then added once to each output the kernel window
/// reaches. <see cref="EventDrivenConv2d"/> adds every event to every output it reaches, so with several channels
/// active at a position (mnist-seed's second conv: 3.7 on average) this one does far fewer read-modify-writes of the
/// accumulator, which bound that kernel. The cost still grows with the number of events.
/// Each output receives its contributions position by position in scan order (input row, then column) and, within
/// a position, channel by channel in ascending order, summed first: deterministic, and independent of the vector
/// width (every lane does the same multiply and add). The order differs from <see cref="EventDrivenConv2d"/> and
/// from the GEMM, so results agree with them up to float rounding.
/// </summary>
public sealed class ChannelGroupedEventConv2d : IEventDrivenSynapses
{
    private const int MaxChannels = 64;   // one bit per input channel in a position's mask
    private readonly Conv2dGeometry _g;
    private readonly float[] _weight;     // (K, K', C, Cout), K' = K - 1 - kx
    private readonly float[]? _bias;

    /// <summary>Whether a convolution with these settings can use this kernel: stride 1, 2 to 64 input channels,
    /// output channels a multiple of 8 (with fewer input channels, events cannot be grouped).</summary>
    public static bool Supports(SnnConv2d conv) => conv.Stride == 1 && conv.InChannelCount is >= 2 and <= MaxChannels && conv.OutChannelCount % 8 == 0;

    /// <summary>Prepares the reordered weights of <paramref name="conv"/> for inputs of shape <paramref name="inputShape"/>.</summary>
    public ChannelGroupedEventConv2d(SnnConv2d conv, int[] inputShape)
    {
        if (!Supports(conv)) throw new ArgumentException($"{conv.Describe()}: needs stride 1, 2 to {MaxChannels} input channels and output channels a multiple of 8", nameof(conv));
        _g = Conv2dGeometry.Of(conv.Spec, inputShape);
        _bias = conv.Bias;
        int cout = _g.Cout, c = _g.C, k = _g.K;
        _weight = new float[_g.PatchSize * cout];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        _weight[((ky * k + (k - 1 - kx)) * c + ci) * cout + co] = conv.Weight[((co * c + ci) * k + ky) * k + kx];
    }

    /// <summary>Floats of scratch one image needs: the (Ho, Wo, Cout) accumulator, one channel mask per input
    /// position and one position's values and weight offsets.</summary>
    public int ScratchSize => _g.OutputSize + 2 * _g.H * _g.W + 2 * _g.C;

    /// <summary>
    /// Writes the current (Cout, Ho, Wo) of one image from its input map (C, H, W); returns the number of events
    /// (non-zero inputs). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Conv2dGeometry g = _g;
        int c = g.C, h = g.H, w = g.W, k = g.K, pad = g.Pad, cout = g.Cout, rowOut = g.Wo * cout, kernelRow = k * c * cout;
        Span<float> acc = scratch.Slice(0, g.OutputSize);
        Span<ulong> masks = MemoryMarshal.Cast<float, ulong>(scratch.Slice(g.OutputSize, 2 * h * w));
        Span<float> values = scratch.Slice(g.OutputSize + 2 * h * w, c);
        Span<int> offsets = MemoryMarshal.Cast<float, int>(scratch.Slice(g.OutputSize + 2 * h * w + c, c));
        acc.Clear();
        masks.Clear();
        int events = 0;
        for (int ci = 0; ci < c; ci++)
            events += Mark(input.Slice(ci * h * w, h * w), masks, 1UL << ci);
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float wRef = ref MemoryMarshal.GetReference(_weight.AsSpan());
        for (int iy = 0; iy < h; iy++)
        {
            // Output row oy = iy + pad - ky must exist.
            int kyFirst = Math.Max(0, iy + pad - (g.Ho - 1)), kyLast = Math.Min(k - 1, iy + pad);
            for (int ix = 0; ix < w; ix++)
            {
                ulong mask = masks[iy * w + ix];
                if (mask == 0) continue;
                // Output column ox = first + kx' (kx' = K - 1 - kx); the reversed kernel columns inside the output are lo..hi.
                int first = ix + pad - (k - 1);
                int lo = Math.Max(0, -first), hi = Math.Min(k - 1, g.Wo - 1 - first);
                if (hi < lo) continue;
                int n = 0;
                for (; mask != 0; mask &= mask - 1)
                {
                    int ci = BitOperations.TrailingZeroCount(mask);
                    values[n] = input[(ci * h + iy) * w + ix];
                    offsets[n++] = ci * cout;
                }
                ref float a = ref MemoryMarshal.GetReference(values);
                ref int at = ref MemoryMarshal.GetReference(offsets);
                for (int ky = kyFirst; ky <= kyLast; ky++)
                {
                    ref float dst = ref Unsafe.Add(ref accRef, (iy + pad - ky) * rowOut + first * cout);
                    ref float weights = ref Unsafe.Add(ref wRef, ky * kernelRow);
                    int kx = lo;
                    for (; kx < hi; kx += 2)
                        AddPair(ref Unsafe.Add(ref dst, kx * cout), ref Unsafe.Add(ref weights, kx * c * cout), c * cout, cout, ref a, ref at, n);
                    if (kx == hi)
                        AddOne(ref Unsafe.Add(ref dst, kx * cout), ref Unsafe.Add(ref weights, kx * c * cout), cout, ref a, ref at, n);
                }
            }
        }
        EventDrivenConv2d.Transpose(acc, output, g.Positions, cout, cout, _bias);
        return events;
    }

    // Sets `bit` in the mask of every position of one input plane that is non-zero (masks are indexed by position, as
    // the plane); returns how many there are. Whole vectors of the plane at a time, so rows narrower than a vector
    // need no scalar tails.
    private static int Mark(ReadOnlySpan<float> plane, Span<ulong> masks, ulong bit)
    {
        int count = 0, i = 0, n = plane.Length;
        ref float x = ref MemoryMarshal.GetReference(plane);
        ref ulong m = ref MemoryMarshal.GetReference(masks);
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                ulong bits = Vector512.ExtractMostSignificantBits(~Vector512.Equals(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512<float>.Zero));
                count += BitOperations.PopCount(bits);
                for (; bits != 0; bits &= bits - 1) Unsafe.Add(ref m, i + BitOperations.TrailingZeroCount(bits)) |= bit;
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint bits = Vector256.ExtractMostSignificantBits(~Vector256.Equals(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256<float>.Zero));
                count += BitOperations.PopCount(bits);
                for (; bits != 0; bits &= bits - 1) Unsafe.Add(ref m, i + BitOperations.TrailingZeroCount(bits)) |= bit;
            }
        for (; i < n; i++)
        {
            ulong nonZero = Unsafe.Add(ref x, i) != 0f ? bit : 0UL;
            Unsafe.Add(ref m, i) |= nonZero;
            count += nonZero != 0 ? 1 : 0;
        }
        return count;
    }

    // Two neighbouring outputs (accumulators `cout` apart, their weights `step` apart): each gets
    // acc += sum over e of a[e] * w[at[e] + ...], the sum taken in registers in the order of e.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddPair(ref float acc, ref float w, int step, int cout, ref float a, ref int at, int n)
    {
        int co = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; co <= cout - 64; co += 64)
            {
                Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int e = 0; e < n; e++)
                {
                    var scale = Vector512.Create(Unsafe.Add(ref a, e));
                    ref float u = ref Unsafe.Add(ref w, Unsafe.Add(ref at, e) + co);
                    ref float v = ref Unsafe.Add(ref u, step);
                    s0 += Vector512.LoadUnsafe(ref u) * scale;
                    s1 += Vector512.LoadUnsafe(ref u, 16) * scale;
                    s2 += Vector512.LoadUnsafe(ref u, 32) * scale;
                    s3 += Vector512.LoadUnsafe(ref u, 48) * scale;
                    t0 += Vector512.LoadUnsafe(ref v) * scale;
                    t1 += Vector512.LoadUnsafe(ref v, 16) * scale;
                    t2 += Vector512.LoadUnsafe(ref v, 32) * scale;
                    t3 += Vector512.LoadUnsafe(ref v, 48) * scale;
                }
                Accumulate(ref Unsafe.Add(ref acc, co), s0, s1, s2, s3);
                Accumulate(ref Unsafe.Add(ref acc, cout + co), t0, t1, t2, t3);
            }
        AddOne(ref Unsafe.Add(ref acc, co), ref Unsafe.Add(ref w, co), cout - co, ref a, ref at, n);
        AddOne(ref Unsafe.Add(ref acc, cout + co), ref Unsafe.Add(ref w, step + co), cout - co, ref a, ref at, n);
    }

    // One output: acc[0..count) += sum over e of a[e] * w[at[e] + 0..count).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddOne(ref float acc, ref float w, int count, ref float a, ref int at, int n)
    {
        int co = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; co <= count - 64; co += 64)
            {
                Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (int e = 0; e < n; e++)
                {
                    var scale = Vector512.Create(Unsafe.Add(ref a, e));
                    ref float u = ref Unsafe.Add(ref w, Unsafe.Add(ref at, e) + co);
                    s0 += Vector512.LoadUnsafe(ref u) * scale;
                    s1 += Vector512.LoadUnsafe(ref u, 16) * scale;
                    s2 += Vector512.LoadUnsafe(ref u, 32) * scale;
                    s3 += Vector512.LoadUnsafe(ref u, 48) * scale;
                }
                Accumulate(ref Unsafe.Add(ref acc, co), s0, s1, s2, s3);
            }
            for (; co <= count - 16; co += 16)
            {
                Vector512<float> s = Vector512<float>.Zero;
                for (int e = 0; e < n; e++) s += Vector512.LoadUnsafe(ref Unsafe.Add(ref w, Unsafe.Add(ref at, e) + co)) * Vector512.Create(Unsafe.Add(ref a, e));
                ref float d = ref Unsafe.Add(ref acc, co);
                (Vector512.LoadUnsafe(ref d) + s).StoreUnsafe(ref d);
            }
        }
        for (; co <= count - 8; co += 8)
        {
            Vector256<float> s = Vector256<float>.Zero;
            for (int e = 0; e < n; e++) s += Vector256.LoadUnsafe(ref Unsafe.Add(ref w, Unsafe.Add(ref at, e) + co)) * Vector256.Create(Unsafe.Add(ref a, e));
            ref float d = ref Unsafe.Add(ref acc, co);
            (Vector256.LoadUnsafe(ref d) + s).StoreUnsafe(ref d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(ref float acc, Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3)
    {
        (Vector512.LoadUnsafe(ref acc) + s0).StoreUnsafe(ref acc);
        (Vector512.LoadUnsafe(ref acc, 16) + s1).StoreUnsafe(ref acc, 16);
        (Vector512.LoadUnsafe(ref acc, 32) + s2).StoreUnsafe(ref acc, 32);
        (Vector512.LoadUnsafe(ref acc, 48) + s3).StoreUnsafe(ref acc, 48);
    }
}
