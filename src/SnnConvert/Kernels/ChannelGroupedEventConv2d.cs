using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Event-driven current of a stride-1 convolution that groups the events of one input position: the weight vectors
/// of all its non-zero input channels are summed in registers, and each output the kernel window reaches adds that
/// group sum once. <see cref="EventDrivenConv2d"/> adds every event to every output it reaches, so with several
/// channels active at a position (mnist-seed's second conv: 3.7 on average) this one does far fewer additions to
/// the accumulator. The cost still grows with the number of events.
/// The loops run over output rows, then kernel rows, then pairs of neighbouring outputs: a pair's 2 x 4 vectors of
/// output channels (2 x 64 with AVX-512, 2 x 32 with AVX2) stay in registers while the positions of one input row are
/// added, and the weights of one kernel row (15 KB for mnist-seed) stay in the L1 cache while the pairs of an output
/// row use them. Each pass over a row's events thus serves 128 (AVX-512) or 64 (AVX2) output values.
/// Each output receives its contributions position by position in scan order (input row, then column) and, within
/// a position, channel by channel in ascending order, summed first: deterministic, and independent of the vector
/// width (every lane does the same multiply and add). The order differs from <see cref="EventDrivenConv2d"/> and
/// from the GEMM, so results agree with them up to float rounding. The event list (per position, its non-zero channels'
/// values and weight offsets) is packed from a register transpose of the channel planes and compressed stores (AVX-512)
/// or table permutes (AVX2), without a branch per event; elsewhere from per-channel masks; the same list at every width.
/// </summary>
public sealed class ChannelGroupedEventConv2d : IEventDrivenSynapses
{
    private const int MaxChannels = 64;   // one bit per input channel in a position's mask
    private readonly Conv2dGeometry _g;
    private readonly AlignedFloats _weight;   // (K, K, C, Cout)
    private readonly float[]? _bias;
    private readonly bool _use512;            // false: the 256-bit paths even where 512-bit vectors are accelerated

    /// <summary>Whether a convolution with these settings can use this kernel: stride 1, 2 to 64 input channels,
    /// output channels a multiple of 8 (with fewer input channels, events cannot be grouped).</summary>
    public static bool Supports(Conv2dGeometry geometry) => geometry.Stride == 1 && geometry.C is >= 2 and <= MaxChannels && geometry.Cout % 8 == 0;

    /// <summary>Prepares the reordered weights of a convolution of sizes <paramref name="geometry"/>.</summary>
    /// <param name="weight">Weights (Cout, C, K, K).</param>
    /// <param name="bias">Bias (Cout) added to every output, or null.</param>
    /// <param name="geometry">The convolution's sizes (zero padding); <see cref="Supports"/> must admit them.</param>
    public ChannelGroupedEventConv2d(ReadOnlySpan<float> weight, float[]? bias, Conv2dGeometry geometry) : this(weight, bias, geometry, true) { }

    // use512 = false runs the paths of a CPU without AVX-512 on any machine (the tests compare both widths).
    internal ChannelGroupedEventConv2d(ReadOnlySpan<float> weight, float[]? bias, Conv2dGeometry geometry, bool use512)
    {
        _use512 = use512;
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
    /// position, where each position's events start, and every event's value and weight offset (with a vector's slack
    /// for the compressed stores of the AVX-512 packing).</summary>
    public int ScratchSize => AlignedFloats.Slack + _g.OutputSize + 3 * _g.H * _g.W + 1 + 2 * (_g.C * _g.H * _g.W + TransposedChannels);

    // Channels the AVX-512 packing transposes into one vector per position.
    private const int TransposedChannels = 16;

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
        int listSize = c * hw + TransposedChannels, listsAt = g.OutputSize + 3 * hw + 1;
        Span<float> values = scratch.Slice(listsAt, listSize);
        Span<int> offsets = MemoryMarshal.Cast<float, int>(scratch.Slice(listsAt + listSize, listSize));
        int events = 0;
        // The events of position q are [starts[q], starts[q + 1]), in channel order: value and weight offset.
        if (_use512 && Avx512F.IsSupported && c <= TransposedChannels) events = PackTransposed(input, c, hw, cout, starts, values, offsets);
        else if (Avx2.IsSupported && c <= TransposedChannels) events = PackTransposed256(input, c, hw, cout, starts, values, offsets);
        else
        {
            masks.Clear();
            for (int ci = 0; ci < c; ci++)
                events += Mark(input.Slice(ci * hw, hw), masks, 1UL << ci);
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
        }
        acc.Clear();
        var list = new EventList(ref MemoryMarshal.GetReference(starts), ref MemoryMarshal.GetReference(values), ref MemoryMarshal.GetReference(offsets));
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float wRef = ref MemoryMarshal.GetReference(_weight.Span);
        bool wide = _use512 && Vector512.IsHardwareAccelerated;
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
                if (wide) co = Pairs<Lanes512, Vector512<float>, Vector512<int>>(ref accRow, ref kernelRow, g, row, list);
                else if (Vector256.IsHardwareAccelerated) co = Pairs<Lanes256, Vector256<float>, Vector256<int>>(ref accRow, ref kernelRow, g, row, list);
                for (int ox = 0; ox < g.Wo; ox++)
                {
                    int lane = co;
                    if (wide)
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

    // One kernel row's contribution to one output row, for blocks of 4 vectors of channels (see Pair) with the outputs
    // in pairs (an odd last output one vector at a time); returns the first channel left to the caller.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pairs<TLanes, TVec, TInt>(ref float accRow, ref float kernelRow, Conv2dGeometry g, int row, EventList list)
        where TLanes : IVectorLanes<TVec, TInt>
    {
        int cout = g.Cout, column = g.C * cout, block = 4 * TLanes.Count, co = 0;
        for (; co + block <= cout; co += block)
        {
            int ox = 0;
            for (; ox + 2 <= g.Wo; ox += 2)
                Pair<TLanes, TVec, TInt>(ref Unsafe.Add(ref accRow, ox * cout + co), cout, ref Unsafe.Add(ref kernelRow, co), column, g.K, row, ox - g.Pad, g.W, list);
            for (int lane = co; ox < g.Wo && lane < co + block; lane += TLanes.Count)
                One<TLanes, TVec, TInt>(ref Unsafe.Add(ref accRow, ox * cout + lane), ref Unsafe.Add(ref kernelRow, lane), column, g.K, row, ox - g.Pad, g.W, list);
        }
        return co;
    }

    // The events of one image by input position (see Forward).
    private readonly ref struct EventList(ref int starts, ref float values, ref int offsets)
    {
        public readonly ref int Starts = ref starts;
        public readonly ref float Values = ref values;
        public readonly ref int Offsets = ref offsets;
    }

    // Outputs x0 + pad and the next one (accumulators `cout` apart), 4 vectors of channels (64 at 512 bits, 32 at 256):
    // adds the group sums of input row `row`'s positions ix = x0 .. x0 + K, which reach the first output through kernel
    // column ix - x0 and the second through ix - x0 - 1 (weights `column` apart). Both keep their channels in registers
    // over the row. At 256 bits the 8 accumulators, 8 group sums, the broadcast and a product need 18 of the 16 ymm
    // registers: the JIT's listing (VEX encoding, .NET 10) keeps two accumulators on the stack, 2 loads and 2 stores per
    // position against 8 loads, 8 multiplies and 8 adds per event, none inside the event loop; the event list is still
    // read once per 2 outputs and 32 channels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pair<TLanes, TVec, TInt>(ref float acc, int cout, ref float kernelRow, int column, int k, int row, int x0, int w, EventList list)
        where TLanes : IVectorLanes<TVec, TInt>
    {
        nuint n1 = (nuint)TLanes.Count, n2 = 2 * n1, n3 = 3 * n1;
        ref float next = ref Unsafe.Add(ref acc, cout);
        TVec a0 = TLanes.Load(ref acc, 0), a1 = TLanes.Load(ref acc, n1), a2 = TLanes.Load(ref acc, n2), a3 = TLanes.Load(ref acc, n3);
        TVec b0 = TLanes.Load(ref next, 0), b1 = TLanes.Load(ref next, n1), b2 = TLanes.Load(ref next, n2), b3 = TLanes.Load(ref next, n3);
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
                TVec s0 = TLanes.Zero, s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int e = begin; e < end; e++)
                {
                    TVec scale = TLanes.Create(Unsafe.Add(ref a, e));
                    int offset = Unsafe.Add(ref at, e);
                    ref float wu = ref Unsafe.Add(ref u, offset);
                    ref float wv = ref Unsafe.Add(ref v, offset);
                    s0 = TLanes.Add(s0, TLanes.Multiply(TLanes.Load(ref wu, 0), scale));
                    s1 = TLanes.Add(s1, TLanes.Multiply(TLanes.Load(ref wu, n1), scale));
                    s2 = TLanes.Add(s2, TLanes.Multiply(TLanes.Load(ref wu, n2), scale));
                    s3 = TLanes.Add(s3, TLanes.Multiply(TLanes.Load(ref wu, n3), scale));
                    t0 = TLanes.Add(t0, TLanes.Multiply(TLanes.Load(ref wv, 0), scale));
                    t1 = TLanes.Add(t1, TLanes.Multiply(TLanes.Load(ref wv, n1), scale));
                    t2 = TLanes.Add(t2, TLanes.Multiply(TLanes.Load(ref wv, n2), scale));
                    t3 = TLanes.Add(t3, TLanes.Multiply(TLanes.Load(ref wv, n3), scale));
                }
                a0 = TLanes.Add(a0, s0); a1 = TLanes.Add(a1, s1); a2 = TLanes.Add(a2, s2); a3 = TLanes.Add(a3, s3);
                b0 = TLanes.Add(b0, t0); b1 = TLanes.Add(b1, t1); b2 = TLanes.Add(b2, t2); b3 = TLanes.Add(b3, t3);
                continue;
            }
            // The window's first position reaches only the first output, its last only the second.
            ref float only = ref Unsafe.Add(ref kernelRow, (kx < k ? kx : kx - 1) * column);
            TVec r0 = TLanes.Zero, r1 = r0, r2 = r0, r3 = r0;
            for (int e = begin; e < end; e++)
            {
                TVec scale = TLanes.Create(Unsafe.Add(ref a, e));
                ref float wo = ref Unsafe.Add(ref only, Unsafe.Add(ref at, e));
                r0 = TLanes.Add(r0, TLanes.Multiply(TLanes.Load(ref wo, 0), scale));
                r1 = TLanes.Add(r1, TLanes.Multiply(TLanes.Load(ref wo, n1), scale));
                r2 = TLanes.Add(r2, TLanes.Multiply(TLanes.Load(ref wo, n2), scale));
                r3 = TLanes.Add(r3, TLanes.Multiply(TLanes.Load(ref wo, n3), scale));
            }
            if (kx < k) { a0 = TLanes.Add(a0, r0); a1 = TLanes.Add(a1, r1); a2 = TLanes.Add(a2, r2); a3 = TLanes.Add(a3, r3); }
            else { b0 = TLanes.Add(b0, r0); b1 = TLanes.Add(b1, r1); b2 = TLanes.Add(b2, r2); b3 = TLanes.Add(b3, r3); }
        }
        TLanes.Store(a0, ref acc, 0); TLanes.Store(a1, ref acc, n1); TLanes.Store(a2, ref acc, n2); TLanes.Store(a3, ref acc, n3);
        TLanes.Store(b0, ref next, 0); TLanes.Store(b1, ref next, n1); TLanes.Store(b2, ref next, n2); TLanes.Store(b3, ref next, n3);
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

    // The event list with AVX-512, without a branch per event: 16 positions at a time, the (up to 16) channel planes
    // are transposed in registers into one vector of channels per position, whose non-zero lanes (the test of
    // NonZeroBits: -0 is no event, NaN is one) are compressed into the list in ascending channel order, as the scalar
    // packing does, so the list is the same. Positions past the last whole 16 are packed one by one.
    private static int PackTransposed(ReadOnlySpan<float> input, int c, int hw, int cout, Span<int> starts, Span<float> values, Span<int> offsets)
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float valueRef = ref MemoryMarshal.GetReference(values);
        ref int offsetRef = ref MemoryMarshal.GetReference(offsets);
        Vector512<int> weightOffset = Vector512.CreateSequence(0, cout);   // ci * cout in lane ci
        int packed = 0, q0 = 0;
        for (; q0 + 16 <= hw; q0 += 16)
        {
            // Round 1 and 2: 4 x 4 transposes within each 128-bit lane (positions 4L .. 4L + 3 of lane L).
            var (u0, u1, u2, u3) = Transpose4(Plane(ref x, 0, c, hw, q0), Plane(ref x, 1, c, hw, q0), Plane(ref x, 2, c, hw, q0), Plane(ref x, 3, c, hw, q0));
            var (u4, u5, u6, u7) = Transpose4(Plane(ref x, 4, c, hw, q0), Plane(ref x, 5, c, hw, q0), Plane(ref x, 6, c, hw, q0), Plane(ref x, 7, c, hw, q0));
            var (u8, u9, u10, u11) = Transpose4(Plane(ref x, 8, c, hw, q0), Plane(ref x, 9, c, hw, q0), Plane(ref x, 10, c, hw, q0), Plane(ref x, 11, c, hw, q0));
            var (u12, u13, u14, u15) = Transpose4(Plane(ref x, 12, c, hw, q0), Plane(ref x, 13, c, hw, q0), Plane(ref x, 14, c, hw, q0), Plane(ref x, 15, c, hw, q0));
            // Round 3: uj holds position 4L + j's channels 0-3 in its lane L, u(4 + j) channels 4-7, u(8 + j) 8-11,
            // u(12 + j) 12-15. vj / wj: lanes 0, 2 / 1, 3 of uj and u(4 + j); pj / rj the same of u(8 + j), u(12 + j).
            Vector512<float> v0 = Avx512F.Shuffle4x128(u0, u4, Even), w0 = Avx512F.Shuffle4x128(u0, u4, Odd), p0 = Avx512F.Shuffle4x128(u8, u12, Even), r0 = Avx512F.Shuffle4x128(u8, u12, Odd);
            Vector512<float> v1 = Avx512F.Shuffle4x128(u1, u5, Even), w1 = Avx512F.Shuffle4x128(u1, u5, Odd), p1 = Avx512F.Shuffle4x128(u9, u13, Even), r1 = Avx512F.Shuffle4x128(u9, u13, Odd);
            Vector512<float> v2 = Avx512F.Shuffle4x128(u2, u6, Even), w2 = Avx512F.Shuffle4x128(u2, u6, Odd), p2 = Avx512F.Shuffle4x128(u10, u14, Even), r2 = Avx512F.Shuffle4x128(u10, u14, Odd);
            Vector512<float> v3 = Avx512F.Shuffle4x128(u3, u7, Even), w3 = Avx512F.Shuffle4x128(u3, u7, Odd), p3 = Avx512F.Shuffle4x128(u11, u15, Even), r3 = Avx512F.Shuffle4x128(u11, u15, Odd);
            // Round 4, position by position in order: lane L = 0 is (vj, pj) even, 1 (wj, rj) even, 2 (vj, pj) odd, 3 (wj, rj) odd.
            ref int at = ref Unsafe.Add(ref MemoryMarshal.GetReference(starts), q0);
            Emit(Avx512F.Shuffle4x128(v0, p0, Even), ref at, 0, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v1, p1, Even), ref at, 1, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v2, p2, Even), ref at, 2, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v3, p3, Even), ref at, 3, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w0, r0, Even), ref at, 4, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w1, r1, Even), ref at, 5, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w2, r2, Even), ref at, 6, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w3, r3, Even), ref at, 7, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v0, p0, Odd), ref at, 8, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v1, p1, Odd), ref at, 9, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v2, p2, Odd), ref at, 10, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(v3, p3, Odd), ref at, 11, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w0, r0, Odd), ref at, 12, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w1, r1, Odd), ref at, 13, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w2, r2, Odd), ref at, 14, ref valueRef, ref offsetRef, weightOffset, ref packed);
            Emit(Avx512F.Shuffle4x128(w3, r3, Odd), ref at, 15, ref valueRef, ref offsetRef, weightOffset, ref packed);
        }
        return PackRest(input, c, hw, cout, q0, packed, starts, values, offsets);
    }

    // The event list with AVX2: as PackTransposed, 8 positions at a time, channels 0-7 and 8-15 each an 8 x 8 register
    // transpose, whose non-zero lanes are left-packed by a permute (LeftPack; AVX2 has no compress). The columns are
    // written before they are read (the upper half only with more than 8 channels), so they are not zeroed per call.
    [SkipLocalsInit]
    private static int PackTransposed256(ReadOnlySpan<float> input, int c, int hw, int cout, Span<int> starts, Span<float> values, Span<int> offsets)
    {
        ref float x = ref MemoryMarshal.GetReference(input);
        ref int valueRef = ref Unsafe.As<float, int>(ref MemoryMarshal.GetReference(values));
        ref int offsetRef = ref MemoryMarshal.GetReference(offsets);
        Vector256<int> lowOffsets = Vector256.CreateSequence(0, cout), highOffsets = Vector256.CreateSequence(8 * cout, cout);
        Span<Vector256<float>> columns = stackalloc Vector256<float>[16];   // position j's channels 0-7, then its channels 8-15 at j + 8
        int packed = 0, q0 = 0;
        for (; q0 + 8 <= hw; q0 += 8)
        {
            BlockTranspose.Transpose8x8(Plane8(ref x, 0, c, hw, q0), Plane8(ref x, 1, c, hw, q0), Plane8(ref x, 2, c, hw, q0), Plane8(ref x, 3, c, hw, q0),
                Plane8(ref x, 4, c, hw, q0), Plane8(ref x, 5, c, hw, q0), Plane8(ref x, 6, c, hw, q0), Plane8(ref x, 7, c, hw, q0),
                out columns[0], out columns[1], out columns[2], out columns[3], out columns[4], out columns[5], out columns[6], out columns[7]);
            if (c > 8)
                BlockTranspose.Transpose8x8(Plane8(ref x, 8, c, hw, q0), Plane8(ref x, 9, c, hw, q0), Plane8(ref x, 10, c, hw, q0), Plane8(ref x, 11, c, hw, q0),
                    Plane8(ref x, 12, c, hw, q0), Plane8(ref x, 13, c, hw, q0), Plane8(ref x, 14, c, hw, q0), Plane8(ref x, 15, c, hw, q0),
                    out columns[8], out columns[9], out columns[10], out columns[11], out columns[12], out columns[13], out columns[14], out columns[15]);
            for (int j = 0; j < 8; j++)
            {
                starts[q0 + j] = packed;
                packed = EmitHalf(columns[j], lowOffsets, ref valueRef, ref offsetRef, packed);
                if (c > 8) packed = EmitHalf(columns[j + 8], highOffsets, ref valueRef, ref offsetRef, packed);
            }
        }
        return PackRest(input, c, hw, cout, q0, packed, starts, values, offsets);
    }

    // Channel plane ci's 8 positions from q0, or zeros past the last channel.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Plane8(ref float x, int ci, int c, int hw, int q0) =>
        ci < c ? Vector256.LoadUnsafe(ref x, (nuint)(ci * hw + q0)) : Vector256<float>.Zero;

    // Eight channels of one position: their non-zero values and weight offsets appended at `packed`; returns the new end.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int EmitHalf(Vector256<float> channels, Vector256<int> weightOffsets, ref int values, ref int offsets, int packed)
    {
        uint mask = (~Vector256.Equals(channels, Vector256<float>.Zero)).ExtractMostSignificantBits();
        LeftPack.Store(channels.AsInt32(), mask, ref Unsafe.Add(ref values, packed));
        return packed + LeftPack.Store(weightOffsets, mask, ref Unsafe.Add(ref offsets, packed));
    }

    // Positions q0 .. hw - 1 one by one (after the vector packings' whole blocks), then the end of the list.
    private static int PackRest(ReadOnlySpan<float> input, int c, int hw, int cout, int q0, int packed, Span<int> starts, Span<float> values, Span<int> offsets)
    {
        for (int q = q0; q < hw; q++)
        {
            starts[q] = packed;
            for (int ci = 0; ci < c; ci++)
            {
                float v = input[ci * hw + q];
                if (v == 0f) continue;   // the test of NonZeroBits: -0 is no event, NaN is one
                values[packed] = v;
                offsets[packed++] = ci * cout;
            }
        }
        starts[hw] = packed;
        return packed;
    }

    private const byte Even = 0b10_00_10_00, Odd = 0b11_01_11_01;   // 128-bit lanes 0, 2 / 1, 3 of each operand

    // Channel plane ci's 16 positions from q0, or zeros past the last channel.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Plane(ref float x, int ci, int c, int hw, int q0) =>
        ci < c ? Vector512.LoadUnsafe(ref x, (nuint)(ci * hw + q0)) : Vector512<float>.Zero;

    // Rounds 1 and 2 of a 16 x 16 transpose: within each 128-bit lane, rows a, b, c, d (4 positions each) become the
    // 4 positions' vectors of those 4 channels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Transpose4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        Vector512<double> ab0 = Avx512F.UnpackLow(a, b).AsDouble(), ab1 = Avx512F.UnpackHigh(a, b).AsDouble();
        Vector512<double> cd0 = Avx512F.UnpackLow(c, d).AsDouble(), cd1 = Avx512F.UnpackHigh(c, d).AsDouble();
        return (Avx512F.UnpackLow(ab0, cd0).AsSingle(), Avx512F.UnpackHigh(ab0, cd0).AsSingle(),
            Avx512F.UnpackLow(ab1, cd1).AsSingle(), Avx512F.UnpackHigh(ab1, cd1).AsSingle());
    }

    // Position `position` of the block at `starts`: its start, then its non-zero channels' values and weight offsets.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(Vector512<float> channels, ref int starts, int position, ref float values, ref int offsets, Vector512<int> weightOffset, ref int packed)
    {
        Unsafe.Add(ref starts, position) = packed;
        Vector512<float> nonZero = ~Vector512.Equals(channels, Vector512<float>.Zero);
        Avx512F.Compress(Vector512<float>.Zero, nonZero, channels).StoreUnsafe(ref values, (nuint)packed);
        Avx512F.Compress(Vector512<int>.Zero, nonZero.AsInt32(), weightOffset).StoreUnsafe(ref offsets, (nuint)packed);
        packed += BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
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
