using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Event-driven synaptic current of a convolution: only the inputs that are non-zero (spikes, or spike maps after
/// average pooling) contribute, each by adding its weight vector over all output channels to the outputs its
/// kernel window reaches. The cost grows with the number of events, not with the size of the map. Weights are kept
/// as (Cin, K, K', Cout) with the kernel columns reversed (K' = K - 1 - kx): with stride 1 the outputs an event
/// reaches through one kernel row are consecutive in the accumulator, laid out (Ho, Wo, Cout), and so are their
/// weights, so the event adds one contiguous run of up to K * Cout values (vectorised). The accumulator is
/// transposed to (Cout, Ho, Wo) at the end. (Cout stands for the padded lane count when Cout is not a multiple of 8.)
/// Convolutions with 2-64 input channels and stride 1 use <see cref="ChannelGroupedEventConv2d"/> instead.
/// A binary spike adds its weights (no multiplication); a pooled value a = m/k^2 (m spikes in the window) adds
/// a * w, which equals adding w/k^2 once per spike up to rounding. Contributions reach each output in
/// (input channel, kernel row, kernel column) order, so the result is deterministic; it differs from the dense
/// GEMM only by floating-point rounding.
/// </summary>
public sealed class EventDrivenConv2d : IEventDrivenSynapses
{
    private readonly Conv2dGeometry _g;
    private readonly int _lanes;         // accumulator and weight values per position: Cout, or Cout padded with zeros to 16 when it is not a multiple of 8
    private readonly AlignedFloats _weightT;   // (C, K, K', lanes), K' = K - 1 - kx
    private readonly float[]? _bias;

    /// <summary>Prepares the reordered weights of a convolution of sizes <paramref name="geometry"/>.</summary>
    /// <param name="weight">Weights (Cout, C, K, K).</param>
    /// <param name="bias">Bias (Cout) added to every output, or null.</param>
    /// <param name="geometry">The convolution's sizes (zero padding).</param>
    public EventDrivenConv2d(ReadOnlySpan<float> weight, float[]? bias, Conv2dGeometry geometry)
    {
        _g = geometry;
        _bias = bias;
        int cout = _g.Cout, k = _g.K;
        // A 12-channel layer (mnist-seed's first, under rate input) adds whole 16-float vectors instead of 8 + 4 tails.
        _lanes = cout % 8 == 0 ? cout : (cout + 15) / 16 * 16;
        _weightT = new AlignedFloats(_g.PatchSize * _lanes);
        Span<float> weightT = _weightT.Span;
        for (int co = 0; co < cout; co++)
            for (int c = 0; c < _g.C; c++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        weightT[(((c * k + ky) * k) + (k - 1 - kx)) * _lanes + co] = weight[((co * _g.C + c) * k + ky) * k + kx];
    }

    /// <summary>Floats of scratch one image needs: the (Ho, Wo, lanes) accumulator and one row's event list.</summary>
    public int ScratchSize => AlignedFloats.Slack + _g.Positions * _lanes + _g.W;

    /// <summary>
    /// Writes the current (Cout, Ho, Wo) of one image from its input map (C, H, W); returns the number of events
    /// (non-zero inputs). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Conv2dGeometry g = _g;
        int cout = _lanes, k = g.K, stride = g.Stride, pad = g.Pad, w = g.W, rowOut = g.Wo * cout;
        scratch = AlignedFloats.Align(scratch);
        Span<float> acc = scratch.Slice(0, g.Positions * cout);
        Span<int> columns = MemoryMarshal.Cast<float, int>(scratch.Slice(g.Positions * cout, w));
        acc.Clear();
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float wRef = ref MemoryMarshal.GetReference(_weightT.Span);
        int events = 0;
        if (stride == 1)
        {
            for (int c = 0; c < g.C; c++)
                for (int iy = 0; iy < g.H; iy++)
                {
                    ReadOnlySpan<float> row = input.Slice((c * g.H + iy) * w, w);
                    int count = Compact(row, columns);
                    events += count;
                    // Output row oy = iy + pad - ky must exist.
                    int kyFirst = Math.Max(0, iy + pad - (g.Ho - 1)), kyLast = Math.Min(k - 1, iy + pad);
                    for (int e = 0; e < count; e++)
                    {
                        int ix = columns[e];
                        float a = row[ix];
                        // Output column ox = first + kx' (kx' = K - 1 - kx): the reversed kernel columns that land inside
                        // the output form one run, in the accumulator and in the weights, the same for every kernel row.
                        int first = ix + pad - (k - 1);
                        int lo = Math.Max(0, -first), hi = Math.Min(k - 1, g.Wo - 1 - first);
                        if (hi < lo) continue;
                        int length = (hi - lo + 1) * cout, accBase = (iy + pad) * rowOut + (first + lo) * cout, weightBase = c * k * k * cout + lo * cout;
                        for (int ky = kyFirst; ky <= kyLast; ky++)
                            Add(ref Unsafe.Add(ref accRef, accBase - ky * rowOut), ref Unsafe.Add(ref wRef, weightBase + ky * k * cout), length, a);
                    }
                }
            Transpose(acc, output, g.Positions, g.Cout, cout, _bias);
            return events;
        }
        for (int c = 0; c < g.C; c++)
            for (int iy = 0; iy < g.H; iy++)
            {
                ReadOnlySpan<float> row = input.Slice((c * g.H + iy) * w, w);
                int count = Compact(row, columns);
                events += count;
                for (int ky = 0; ky < k && count > 0; ky++)
                {
                    // Output row oy receives input row iy through kernel row ky when oy * stride - pad + ky == iy.
                    int ty = iy + pad - ky;
                    if (ty < 0 || ty % stride != 0 || ty / stride >= g.Ho) continue;
                    int outRow = ty / stride * rowOut, weights = (c * k + ky) * k * cout;
                    for (int e = 0; e < count; e++)
                    {
                        int ix = columns[e];
                        float a = row[ix];
                        for (int kx = 0; kx < k; kx++)
                        {
                            int tx = ix + pad - kx;
                            if (tx < 0 || tx % stride != 0 || tx / stride >= g.Wo) continue;
                            Add(ref Unsafe.Add(ref accRef, outRow + tx / stride * cout), ref Unsafe.Add(ref wRef, weights + (k - 1 - kx) * cout), cout, a);
                        }
                    }
                }
            }
        Transpose(acc, output, g.Positions, g.Cout, cout, _bias);
        return events;
    }

    // dst (channel, position) = acc (position, channel) + bias[channel], where acc holds `lanes` values per position of
    // which the first `cout` are channels: 8 x 8 tiles transposed in registers, the rest element by element.
    internal static void Transpose(ReadOnlySpan<float> acc, Span<float> output, int positions, int cout, int lanes, float[]? bias)
    {
        int p8 = Avx.IsSupported ? positions & ~7 : 0, c8 = cout & ~7;
        ref float src = ref MemoryMarshal.GetReference(acc);
        ref float dst = ref MemoryMarshal.GetReference(output);
        for (int co = 0; co < c8; co += 8)
        {
            Vector256<float> b = bias is null ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref bias[co]);
            for (int p = 0; p < p8; p += 8)
                Transpose8(ref Unsafe.Add(ref src, p * lanes + co), lanes, ref Unsafe.Add(ref dst, co * positions + p), positions, b);
        }
        int tail = c8;
        if (cout > c8 && lanes >= c8 + 8 && p8 > 0)
        {
            // The last channels' tile reads zero-padded lanes: transposed into a buffer, of which cout - c8 rows are kept.
            Span<float> tile = stackalloc float[64];
            ref float t = ref MemoryMarshal.GetReference(tile);
            for (int p = 0; p < p8; p += 8)
            {
                Transpose8(ref Unsafe.Add(ref src, p * lanes + c8), lanes, ref t, 8, Vector256<float>.Zero);
                for (int co = c8; co < cout; co++)
                {
                    var row = Vector256.LoadUnsafe(ref t, (nuint)((co - c8) * 8));
                    (row + Vector256.Create(bias is null ? 0f : bias[co])).StoreUnsafe(ref dst, (nuint)(co * positions + p));
                }
            }
            tail = cout;
        }
        for (int co = 0; co < cout; co++)
        {
            float b = bias is null ? 0f : bias[co];
            for (int p = co < tail ? p8 : 0; p < positions; p++) Unsafe.Add(ref dst, co * positions + p) = Unsafe.Add(ref src, p * lanes + co) + b;
        }
    }

    // dst[r, j] = src[j, r] + bias[r] for an 8 x 8 tile (rows of src `srcStride` apart, of dst `dstStride` apart).
    private static void Transpose8(ref float src, int srcStride, ref float dst, int dstStride, Vector256<float> bias)
    {
        BlockTranspose.Load8x8Transposed(ref src, srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2,
            out Vector256<float> c3, out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7);
        // Row r of the result is channel r: its bias is lane r of `bias`, broadcast.
        Store(c0, bias, 0, ref dst, 0);
        Store(c1, bias, 1, ref dst, dstStride);
        Store(c2, bias, 2, ref dst, 2 * dstStride);
        Store(c3, bias, 3, ref dst, 3 * dstStride);
        Store(c4, bias, 4, ref dst, 4 * dstStride);
        Store(c5, bias, 5, ref dst, 5 * dstStride);
        Store(c6, bias, 6, ref dst, 6 * dstStride);
        Store(c7, bias, 7, ref dst, 7 * dstStride);
    }

    private static void Store(Vector256<float> row, Vector256<float> bias, int lane, ref float dst, int offset) =>
        (row + Vector256.Create(bias.GetElement(lane))).StoreUnsafe(ref dst, (nuint)offset);

    // Collects the positions of the non-zero inputs: a vector compare gives a bit per lane, then each set bit.
    internal static int Compact(ReadOnlySpan<float> input, Span<int> where)
    {
        int count = 0, i = 0, n = input.Length;
        ref float x = ref MemoryMarshal.GetReference(input);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint bits = Vector256.ExtractMostSignificantBits(~Vector256.Equals(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256<float>.Zero));
                while (bits != 0)
                {
                    where[count++] = i + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        for (; i < n; i++)
        {
            where[count] = i;
            count += Unsafe.Add(ref x, i) != 0f ? 1 : 0;
        }
        return count;
    }

    // acc[0..n) += a * w[0..n); a == 1 (a spike) is a plain addition, which equals 1 * w + acc exactly. The widest
    // accelerated vectors first, then 256-bit ones, then scalars.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Add(ref float acc, ref float w, int n, float a)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) i = AddVectors<Lanes512, Vector512<float>, Vector512<int>>(ref acc, ref w, n, a, i);
        if (Vector256.IsHardwareAccelerated) i = AddVectors<Lanes256, Vector256<float>, Vector256<int>>(ref acc, ref w, n, a, i);
        if (a == 1f)
            for (; i < n; i++) Unsafe.Add(ref acc, i) += Unsafe.Add(ref w, i);
        else
            for (; i < n; i++) Unsafe.Add(ref acc, i) += Unsafe.Add(ref w, i) * a;
    }

    // The vector part of Add from index i, written once for both widths; returns the first index left.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddVectors<TLanes, TVec, TInt>(ref float acc, ref float w, int n, float a, int i) where TLanes : IVectorLanes<TVec, TInt>
    {
        if (a == 1f)
        {
            for (; i <= n - TLanes.Count; i += TLanes.Count)
                TLanes.Store(TLanes.Add(TLanes.Load(ref acc, (nuint)i), TLanes.Load(ref w, (nuint)i)), ref acc, (nuint)i);
            return i;
        }
        TVec scale = TLanes.Create(a);
        for (; i <= n - TLanes.Count; i += TLanes.Count)
            TLanes.Store(TLanes.Add(TLanes.Load(ref acc, (nuint)i), TLanes.Multiply(TLanes.Load(ref w, (nuint)i), scale)), ref acc, (nuint)i);
        return i;
    }
}
