using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Event-driven current of a stride-1 convolution that groups the events of one input position: the weight vectors
/// of all its non-zero input channels are summed in registers, and each output the kernel window reaches adds that
/// group sum once. <see cref="EventDrivenConv2d"/> adds every event to every output it reaches, so with several
/// channels active at a position (mnist-seed's second conv: 3.7 on average) this one does far fewer additions to
/// the accumulator. The cost still grows with the number of events.
/// The loops run over output rows, then kernel rows, then pairs of neighbouring outputs: a pair's 2 x 64 output
/// channels stay in registers while the positions of one input row are added, and the weights of one kernel row
/// (15 KB for mnist-seed) stay in the L1 cache while the pairs of an output row use them.
/// Each output receives its contributions position by position in scan order (input row, then column) and, within
/// a position, channel by channel in ascending order, summed first: deterministic, and independent of the vector
/// width (every lane does the same multiply and add). The order differs from <see cref="EventDrivenConv2d"/> and
/// from the GEMM, so results agree with them up to float rounding.
/// </summary>
public sealed class ChannelGroupedEventConv2d : IEventDrivenSynapses
{
    private const int MaxChannels = 64;   // one bit per input channel in a position's mask
    private const int Wide = 64;          // output channels a pair of outputs keeps in registers (4 x 512 bits each)
    private readonly Conv2dGeometry _g;
    private readonly AlignedFloats _weight;   // (K, K, C, Cout)
    private readonly float[]? _bias;

    /// <summary>Whether a convolution with these settings can use this kernel: stride 1, 2 to 64 input channels,
    /// output channels a multiple of 8 (with fewer input channels, events cannot be grouped).</summary>
    public static bool Supports(Conv2dGeometry geometry) => geometry.Stride == 1 && geometry.C is >= 2 and <= MaxChannels && geometry.Cout % 8 == 0;

    /// <summary>Prepares the reordered weights of a convolution of sizes <paramref name="geometry"/>.</summary>
    /// <param name="weight">Weights (Cout, C, K, K).</param>
    /// <param name="bias">Bias (Cout) added to every output, or null.</param>
    /// <param name="geometry">The convolution's sizes (zero padding); <see cref="Supports"/> must admit them.</param>
    public ChannelGroupedEventConv2d(ReadOnlySpan<float> weight, float[]? bias, Conv2dGeometry geometry)
    {
        if (!Supports(geometry))
            throw new ArgumentException($"{geometry}: needs stride 1, 2 to {MaxChannels} input channels and output channels a multiple of 8", nameof(geometry));
        _g = geometry;
        _bias = bias;
        int cout = _g.Cout, c = _g.C, k = _g.K;
        _weight = new AlignedFloats(_g.PatchSize * cout);
        Span<float> reordered = _weight.Span;
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < c; ci++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        reordered[((ky * k + kx) * c + ci) * cout + co] = weight[((co * c + ci) * k + ky) * k + kx];
    }

    /// <summary>Floats of scratch one image needs: the (Ho, Wo, Cout) accumulator, one channel mask per input
    /// position, where each position's events start, and every event's value and weight offset.</summary>
    public int ScratchSize => AlignedFloats.Slack + _g.OutputSize + 3 * _g.H * _g.W + 1 + 2 * _g.C * _g.H * _g.W;

    /// <summary>
    /// Writes the current (Cout, Ho, Wo) of one image from its input map (C, H, W); returns the number of events
    /// (non-zero inputs). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Conv2dGeometry g = _g;
        int c = g.C, h = g.H, w = g.W, k = g.K, pad = g.Pad, cout = g.Cout, hw = h * w, column = c * cout;
        scratch = AlignedFloats.Align(scratch);
        Span<float> acc = scratch.Slice(0, g.OutputSize);
        Span<ulong> masks = MemoryMarshal.Cast<float, ulong>(scratch.Slice(g.OutputSize, 2 * hw));
        Span<int> starts = MemoryMarshal.Cast<float, int>(scratch.Slice(g.OutputSize + 2 * hw, hw + 1));
        Span<float> values = scratch.Slice(g.OutputSize + 3 * hw + 1, c * hw);
        Span<int> offsets = MemoryMarshal.Cast<float, int>(scratch.Slice(g.OutputSize + 3 * hw + 1 + c * hw, c * hw));
        masks.Clear();
        int events = 0;
        for (int ci = 0; ci < c; ci++)
            events += Mark(input.Slice(ci * hw, hw), masks, 1UL << ci);
        // The events of position q are [starts[q], starts[q + 1]), in channel order: value and weight offset.
        int packed = 0;
        for (int q = 0; q < hw; q++)
        {
            starts[q] = packed;
            for (ulong mask = masks[q]; mask != 0; mask &= mask - 1)
            {
                int ci = BitOperations.TrailingZeroCount(mask);
                values[packed] = input[ci * hw + q];
                offsets[packed++] = ci * cout;
            }
        }
        starts[hw] = packed;
        acc.Clear();
        var list = new EventList(ref MemoryMarshal.GetReference(starts), ref MemoryMarshal.GetReference(values), ref MemoryMarshal.GetReference(offsets));
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float wRef = ref MemoryMarshal.GetReference(_weight.Span);
        for (int oy = 0; oy < g.Ho; oy++)
        {
            // Input row iy = oy - pad + ky must exist.
            int kyFirst = Math.Max(0, pad - oy), kyLast = Math.Min(k - 1, h - 1 + pad - oy);
            for (int ky = kyFirst; ky <= kyLast; ky++)
            {
                int row = (oy - pad + ky) * w;
                ref float accRow = ref Unsafe.Add(ref accRef, oy * g.Wo * cout);
                ref float kernelRow = ref Unsafe.Add(ref wRef, ky * k * column);
                int co = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; co + Wide <= cout; co += Wide)
                    {
                        int ox = 0;
                        for (; ox + 2 <= g.Wo; ox += 2)
                            Pair(ref Unsafe.Add(ref accRow, ox * cout + co), cout, ref Unsafe.Add(ref kernelRow, co), column, k, row, ox - pad, w, list);
                        for (int lane = co; ox < g.Wo && lane < co + Wide; lane += Vector512<float>.Count)
                            One<Lanes512, Vector512<float>, Vector512<int>>(ref Unsafe.Add(ref accRow, ox * cout + lane), ref Unsafe.Add(ref kernelRow, lane), column, k, row, ox - pad, w, list);
                    }
                for (int ox = 0; ox < g.Wo; ox++)
                {
                    int lane = co;
                    if (Vector512.IsHardwareAccelerated)
                        for (; lane + Vector512<float>.Count <= cout; lane += Vector512<float>.Count)
                            One<Lanes512, Vector512<float>, Vector512<int>>(ref Unsafe.Add(ref accRow, ox * cout + lane), ref Unsafe.Add(ref kernelRow, lane), column, k, row, ox - pad, w, list);
                    for (; lane < cout; lane += Vector256<float>.Count)
                        One<Lanes256, Vector256<float>, Vector256<int>>(ref Unsafe.Add(ref accRow, ox * cout + lane), ref Unsafe.Add(ref kernelRow, lane), column, k, row, ox - pad, w, list);
                }
            }
        }
        EventDrivenConv2d.Transpose(acc, output, g.Positions, cout, cout, _bias);
        return events;
    }

    // The events of one image by input position (see Forward).
    private readonly ref struct EventList(ref int starts, ref float values, ref int offsets)
    {
        public readonly ref int Starts = ref starts;
        public readonly ref float Values = ref values;
        public readonly ref int Offsets = ref offsets;
    }

    // Outputs x0 + pad and the next one (accumulators `cout` apart), 64 channels: adds the group sums of input row
    // `row`'s positions ix = x0 .. x0 + K, which reach the first output through kernel column ix - x0 and the second
    // through ix - x0 - 1 (weights `column` apart). Both keep their 64 channels in registers over the row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair(ref float acc, int cout, ref float kernelRow, int column, int k, int row, int x0, int w, EventList list)
    {
        ref float next = ref Unsafe.Add(ref acc, cout);
        Vector512<float> a0 = Vector512.LoadUnsafe(ref acc), a1 = Vector512.LoadUnsafe(ref acc, 16), a2 = Vector512.LoadUnsafe(ref acc, 32), a3 = Vector512.LoadUnsafe(ref acc, 48);
        Vector512<float> b0 = Vector512.LoadUnsafe(ref next), b1 = Vector512.LoadUnsafe(ref next, 16), b2 = Vector512.LoadUnsafe(ref next, 32), b3 = Vector512.LoadUnsafe(ref next, 48);
        int last = Math.Min(w - 1, x0 + k);
        for (int ix = Math.Max(0, x0); ix <= last; ix++)
        {
            int begin = Unsafe.Add(ref list.Starts, row + ix), end = Unsafe.Add(ref list.Starts, row + ix + 1);
            if (begin == end) continue;
            int kx = ix - x0;
            ref float a = ref list.Values;
            ref int at = ref list.Offsets;
            if (kx >= 1 && kx < k)
            {
                ref float u = ref Unsafe.Add(ref kernelRow, kx * column);
                ref float v = ref Unsafe.Add(ref u, -column);
                Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int e = begin; e < end; e++)
                {
                    var scale = Vector512.Create(Unsafe.Add(ref a, e));
                    int offset = Unsafe.Add(ref at, e);
                    ref float wu = ref Unsafe.Add(ref u, offset);
                    ref float wv = ref Unsafe.Add(ref v, offset);
                    s0 += Vector512.LoadUnsafe(ref wu) * scale;
                    s1 += Vector512.LoadUnsafe(ref wu, 16) * scale;
                    s2 += Vector512.LoadUnsafe(ref wu, 32) * scale;
                    s3 += Vector512.LoadUnsafe(ref wu, 48) * scale;
                    t0 += Vector512.LoadUnsafe(ref wv) * scale;
                    t1 += Vector512.LoadUnsafe(ref wv, 16) * scale;
                    t2 += Vector512.LoadUnsafe(ref wv, 32) * scale;
                    t3 += Vector512.LoadUnsafe(ref wv, 48) * scale;
                }
                a0 += s0; a1 += s1; a2 += s2; a3 += s3;
                b0 += t0; b1 += t1; b2 += t2; b3 += t3;
                continue;
            }
            // The window's first position reaches only the first output, its last only the second.
            ref float only = ref Unsafe.Add(ref kernelRow, (kx < k ? kx : kx - 1) * column);
            Vector512<float> r0 = Vector512<float>.Zero, r1 = r0, r2 = r0, r3 = r0;
            for (int e = begin; e < end; e++)
            {
                var scale = Vector512.Create(Unsafe.Add(ref a, e));
                ref float wo = ref Unsafe.Add(ref only, Unsafe.Add(ref at, e));
                r0 += Vector512.LoadUnsafe(ref wo) * scale;
                r1 += Vector512.LoadUnsafe(ref wo, 16) * scale;
                r2 += Vector512.LoadUnsafe(ref wo, 32) * scale;
                r3 += Vector512.LoadUnsafe(ref wo, 48) * scale;
            }
            if (kx < k) { a0 += r0; a1 += r1; a2 += r2; a3 += r3; }
            else { b0 += r0; b1 += r1; b2 += r2; b3 += r3; }
        }
        a0.StoreUnsafe(ref acc); a1.StoreUnsafe(ref acc, 16); a2.StoreUnsafe(ref acc, 32); a3.StoreUnsafe(ref acc, 48);
        b0.StoreUnsafe(ref next); b1.StoreUnsafe(ref next, 16); b2.StoreUnsafe(ref next, 32); b3.StoreUnsafe(ref next, 48);
    }

    // Output x0 + pad, one vector of channels: adds the group sums of input row `row`'s positions x0 .. x0 + K - 1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void One<TLanes, TVec, TInt>(ref float acc, ref float kernelRow, int column, int k, int row, int x0, int w, EventList list)
        where TLanes : IVectorLanes<TVec, TInt>
    {
        TVec sum = TLanes.Load(ref acc, 0);
        int last = Math.Min(w - 1, x0 + k - 1);
        for (int ix = Math.Max(0, x0); ix <= last; ix++)
        {
            ref float weights = ref Unsafe.Add(ref kernelRow, (ix - x0) * column);
            TVec s = TLanes.Zero;
            for (int e = Unsafe.Add(ref list.Starts, row + ix), end = Unsafe.Add(ref list.Starts, row + ix + 1); e < end; e++)
                s = TLanes.Add(s, TLanes.Multiply(TLanes.Load(ref Unsafe.Add(ref weights, Unsafe.Add(ref list.Offsets, e)), 0),
                    TLanes.Create(Unsafe.Add(ref list.Values, e))));
            sum = TLanes.Add(sum, s);
        }
        TLanes.Store(sum, ref acc, 0);
    }

    // Sets `bit` in the mask of every position of one input plane that is non-zero (masks are indexed by position, as
    // the plane); returns how many there are. Whole vectors of the plane at a time, so rows narrower than a vector
    // need no scalar tails.
    private static int Mark(ReadOnlySpan<float> plane, Span<ulong> masks, ulong bit)
    {
        int count = 0, i = 0, n = plane.Length;
        ref float x = ref MemoryMarshal.GetReference(plane);
        ref ulong m = ref MemoryMarshal.GetReference(masks);
        if (Vector512.IsHardwareAccelerated) count += MarkVectors<Lanes512, Vector512<float>, Vector512<int>>(ref x, ref m, n, bit, ref i);
        if (Vector256.IsHardwareAccelerated) count += MarkVectors<Lanes256, Vector256<float>, Vector256<int>>(ref x, ref m, n, bit, ref i);
        for (; i < n; i++)
        {
            ulong nonZero = Unsafe.Add(ref x, i) != 0f ? bit : 0UL;
            Unsafe.Add(ref m, i) |= nonZero;
            count += nonZero != 0 ? 1 : 0;
        }
        return count;
    }

    // The vector part of Mark from index i (advanced), written once for both widths; returns the non-zero count.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MarkVectors<TLanes, TVec, TInt>(ref float x, ref ulong m, int n, ulong bit, ref int i) where TLanes : IVectorLanes<TVec, TInt>
    {
        int count = 0, at = i;
        for (; at <= n - TLanes.Count; at += TLanes.Count)
        {
            ulong bits = TLanes.NonZeroBits(TLanes.Load(ref x, (nuint)at));
            count += BitOperations.PopCount(bits);
            for (; bits != 0; bits &= bits - 1) Unsafe.Add(ref m, at + BitOperations.TrailingZeroCount(bits)) |= bit;
        }
        i = at;
        return count;
    }
}
