using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SnnConvert.Kernels;
using static SnnConvert.Conversion.ChannelStatistics;

namespace SnnConvert.Conversion;

/// <summary>
/// The fill of <see cref="ChannelStatistics"/>' log-spaced histogram, the calibration's hot loop with a target latency.
/// A positive float's bin is its octave (the exponent) times 64 plus the number of bin edges 2^(k/64) its mantissa has
/// reached; the edges, as mantissas, are the same in every octave and are taken from <see cref="ExactBin"/> on [1, 2),
/// so every bin is <see cref="ExactBin"/>'s (ChannelStatisticsTests check every edge of every octave and both fill paths).
/// With AVX-512, 16 values at a time: a cubic estimate of the bin within the octave (within 0.09 bin of log2), corrected
/// by comparing the mantissa with the two edges around it (looked up by permutes), then the in-range bins are
/// compressed into a buffer that scalar code counts. With AVX2 (no compress, no two-table permute), 8 at a time: the
/// bin from a gather of the mantissa's cell, the in-range bins left-packed by a permute looked up from their mask.
/// Both count the (N, C, S) currents of a whole block per call (<see cref="AddChannels(Span{long}, int, ReadOnlySpan{float}, int, int, Span{float}, Span{long})"/>).
/// </summary>
internal static class HistogramFill
{
    /// <summary>Counters after the bins of each group that the fill uses and clears (values outside the octaves go there).</summary>
    public const int SpillSlots = 4;

    private const int CellBits = 12, CellShift = 23 - CellBits, MantissaMask = (1 << 23) - 1, PendingLimit = 256;

    // Edges[k]: the smallest mantissa of bin k of an octave (Edges[0] = 0); Edges[64] is past every mantissa.
    private static readonly int[] Edges = BuildEdges();

    // Per cell of 2^11 mantissas (the top 12 bits): the edges below the cell (low 6 bits) and the next edge (the bits
    // above). The edges are at least 9e4 mantissas apart, so a cell holds at most one. 16 KB.
    private static readonly int[] MantissaCells = BuildMantissaCells(Edges);

    // The 64 edges and the 64 next edges as four vectors each, for 32-entry permutes.
    private static readonly Vector512<int>[] EdgeVectors = [.. Enumerable.Range(0, 4).Select(q => Vector512.Create(Edges.AsSpan(16 * q, 16)))];
    private static readonly Vector512<int>[] NextEdgeVectors = [.. Enumerable.Range(0, 4).Select(q => Vector512.Create(Edges.AsSpan(16 * q + 1, 16)))];

    private static int[] BuildEdges()
    {
        int one = ExactBin(1f);
        int BinOfMantissa(int m) => ExactBin(BitConverter.Int32BitsToSingle((127 << 23) | m)) - one;
        var edges = new int[BinsPerOctave + 1];
        edges[BinsPerOctave] = 1 << 23;
        for (int k = 1; k < BinsPerOctave; k++)
        {
            int low = 0, high = 1 << 23;
            while (low < high)
            {
                int mid = (low + high) / 2;
                if (BinOfMantissa(mid) >= k) high = mid; else low = mid + 1;
            }
            edges[k] = low;
        }
        return edges;
    }

    private static int[] BuildMantissaCells(int[] edges)
    {
        var cells = new int[1 << CellBits];
        for (int cell = 0, bin = 0; cell < cells.Length; cell++)
        {
            while (edges[bin + 1] <= cell << CellShift) bin++;
            cells[cell] = edges[bin + 1] << 6 | bin;
        }
        return cells;
    }

    /// <summary>
    /// The bin of a positive value, always <see cref="ExactBin"/>'s, in integer arithmetic; values outside the
    /// histogram's octaves (and subnormals) are computed by <see cref="ExactBin"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Bin(float v)
    {
        int bits = BitConverter.SingleToInt32Bits(v);
        int octave = ((bits >> 23) & 0xFF) - 127 - MinExponent;
        if ((uint)octave >= Octaves) return ExactBin(v);
        return OctaveBin(octave, bits & MantissaMask, MantissaCells);
    }

    // The bin of a mantissa in an octave of the histogram: the edges below its cell, plus one where it reached the
    // cell's next edge (a cell holds at most one).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int OctaveBin(int octave, int mantissa, int[] cells)
    {
        int cell = cells[mantissa >> CellShift];
        return octave * BinsPerOctave + (cell & (BinsPerOctave - 1)) + (mantissa >= cell >> 6 ? 1 : 0);
    }

    /// <summary>
    /// Counts every positive value of <paramref name="values"/> in its bin of <paramref name="counts"/> (the bins, then
    /// <see cref="SpillSlots"/> zeros), raises <paramref name="max"/> to the largest value, and returns the number of
    /// positive values.
    /// </summary>
    public static long Add(Span<long> counts, ReadOnlySpan<float> values, ref float max)
    {
        Span<float> top = [max];
        Span<long> positive = [0];
        AddChannels(counts, counts.Length, values, 1, values.Length, top, positive);
        max = top[0];
        return positive[0];
    }

    // Without a branch on the value: a value outside the octaves (not positive, NaN, or beyond 2^-40 .. 2^40) is counted
    // in a spill slot instead (four in turn, so that a run of them does not wait on one counter). When the spill slots
    // hold more than the values that are not positive, positive values out of range were among them: a second pass
    // bins those exactly.
    private static long AddScalar(Span<long> counts, ReadOnlySpan<float> values, ref float max)
    {
        int[] cells = MantissaCells;
        long seen = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (v > max) max = v;
            seen += v > 0f ? 1 : 0;
            int bits = BitConverter.SingleToInt32Bits(v);
            int octave = (bits >> 23) - 127 - MinExponent;   // negative for negative values (the sign bit)
            int bin = OctaveBin(octave, bits & MantissaMask, cells);
            int inRange = (uint)octave < Octaves ? -1 : 0;
            counts[(bin & inRange) | ((Bins + (i & (SpillSlots - 1))) & ~inRange)]++;
        }
        Span<long> spill = counts.Slice(Bins, SpillSlots);
        long spilled = 0;
        foreach (long n in spill) spilled += n;
        spill.Clear();
        if (spilled > values.Length - seen) AddOutOfRange(counts, values);
        return seen;
    }

    private static void AddOutOfRange(Span<long> counts, ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (v > 0f && (uint)(((BitConverter.SingleToInt32Bits(v) >> 23) & 0xFF) - 127 - MinExponent) >= Octaves) counts[ExactBin(v)]++;
    }

    /// <summary>
    /// <see cref="Add"/> for every channel of values laid out (N, C, S): channel c's values are counted in group c of
    /// <paramref name="histogram"/> (<paramref name="stride"/> counts per group: the bins, then <see cref="SpillSlots"/>
    /// zeros), raise <paramref name="max"/>[c] and add to <paramref name="positive"/>[c]. The same counts, maxima and
    /// positive counts as <see cref="Add"/> segment by segment (each segment's vector part, then its scalar tail), but
    /// in one call: the constants stay in registers and the counting buffer is set up once, where a call per
    /// segment (mnist-seed's second conv: 64 values) spent as long setting up as binning.
    /// </summary>
    public static void AddChannels(Span<long> histogram, int stride, ReadOnlySpan<float> values, int channels, int channelSize,
        Span<float> max, Span<long> positive) => AddChannels(histogram, stride, values, channels, channelSize, max, positive, allow512: true);

    // allow512 = false takes the AVX2 path even where AVX-512 is there (the tests compare the paths on any machine).
    internal static void AddChannels(Span<long> histogram, int stride, ReadOnlySpan<float> values, int channels, int channelSize,
        Span<float> max, Span<long> positive, bool allow512)
    {
        if (channelSize <= 0 || values.Length == 0) return;
        bool wide = allow512 && Avx512F.IsSupported;
        int width = wide ? Vector512<float>.Count : Avx2.IsSupported ? Vector256<float>.Count : 0;
        int vectorPart = width == 0 ? 0 : channelSize - channelSize % width;
        if (vectorPart == 0)
        {
            int segments = values.Length / channelSize;
            for (int s = 0; s < segments; s++)
            {
                int c = s % channels;
                positive[c] += AddScalar(histogram.Slice(c * stride, stride), values.Slice(s * channelSize, channelSize), ref max[c]);
            }
            return;
        }
        if (wide) AddSegmentsVector512(histogram, stride, values, channels, channelSize, vectorPart, max, positive);
        else AddSegmentsVector256(histogram, stride, values, channels, channelSize, vectorPart, max, positive);
    }

    // The vector part of every segment (its first `vectorPart` values), each followed by its scalar tail.
    [SkipLocalsInit]
    private static void AddSegmentsVector512(Span<long> histogram, int stride, ReadOnlySpan<float> values, int channels, int channelSize,
        int vectorPart, Span<float> max, Span<long> positive)
    {
        Span<int> pending = stackalloc int[PendingLimit + Vector512<int>.Count];
        ref int pendingRef = ref MemoryMarshal.GetReference(pending);
        int filled = 0;
        Vector512<int> e0 = EdgeVectors[0], e1 = EdgeVectors[1], e2 = EdgeVectors[2], e3 = EdgeVectors[3];
        Vector512<int> n0 = NextEdgeVectors[0], n1 = NextEdgeVectors[1], n2 = NextEdgeVectors[2], n3 = NextEdgeVectors[3];
        // log2(1 + m) ~ m (c1 + m (c2 + m c3)) on [0, 1): within 0.09 bin of 64 log2 for every float mantissa.
        Vector512<float> c1 = Vector512.Create(1.42349517f * BinsPerOctave), c2 = Vector512.Create(-0.58777319f * BinsPerOctave),
            c3 = Vector512.Create(0.16559334f * BinsPerOctave);
        int segments = values.Length / channelSize;
        for (int s = 0; s < segments; s++)
        {
            int c = s % channels;
            ref float x = ref MemoryMarshal.GetReference(values.Slice(s * channelSize, channelSize));
            var groupBase = Vector512.Create(c * stride);
            var largest = Vector512.Create(max[c]);
            long seen = 0, outside = 0;
            for (int i = 0; i < vectorPart; i += Vector512<float>.Count)
            {
                var v = Vector512.LoadUnsafe(ref x, (nuint)i);
                largest = Vector512.ConditionalSelect(Vector512.GreaterThan(v, largest), v, largest);   // lane by lane the scalar `if (v > max)`
                Vector512<int> isPositive = Vector512.GreaterThan(v, Vector512<float>.Zero).AsInt32();
                Vector512<int> bits = v.AsInt32();
                Vector512<int> octave = Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127 + MinExponent);
                Vector512<int> inRange = Vector512.LessThan(octave.AsUInt32(), Vector512.Create((uint)Octaves)).AsInt32();
                Vector512<int> mantissa = bits & Vector512.Create(MantissaMask);
                Vector512<float> m = Vector512.ConvertToSingle(mantissa) * Vector512.Create(1f / (1 << 23));
                Vector512<int> k = Vector512.ConvertToInt32(m * (c1 + m * (c2 + m * c3)));
                k = Vector512.Min(Vector512.Max(k, Vector512<int>.Zero), Vector512.Create(BinsPerOctave - 1));
                Vector512<int> upperHalf = Vector512.GreaterThan(k, Vector512.Create(31));
                Vector512<int> edge = Vector512.ConditionalSelect(upperHalf, Avx512F.PermuteVar16x32x2(e2, k, e3), Avx512F.PermuteVar16x32x2(e0, k, e1));
                Vector512<int> next = Vector512.ConditionalSelect(upperHalf, Avx512F.PermuteVar16x32x2(n2, k, n3), Avx512F.PermuteVar16x32x2(n0, k, n1));
                // The estimate is within one bin: one below where the mantissa is under its edge, one above where it reached the next.
                k += Vector512.LessThan(mantissa, edge) - Vector512.GreaterThanOrEqual(mantissa, next);
                Vector512<int> bin = groupBase + Vector512.ShiftLeft(octave, 6) + k;
                Avx512F.Compress(Vector512<int>.Zero, inRange, bin).StoreUnsafe(ref pendingRef, (nuint)filled);
                filled += BitOperations.PopCount(inRange.ExtractMostSignificantBits());
                seen += BitOperations.PopCount(isPositive.ExtractMostSignificantBits());
                outside += BitOperations.PopCount((isPositive & ~inRange).ExtractMostSignificantBits());
                if (filled < PendingLimit) continue;
                Count(histogram, pending.Slice(0, filled));
                filled = 0;
            }
            float top = max[c];
            for (int lane = 0; lane < Vector512<float>.Count; lane++)
                if (largest[lane] > top) top = largest[lane];
            EndSegment(histogram, stride, values, s, c, channelSize, vectorPart, outside, top, seen, max, positive);
        }
        Count(histogram, pending.Slice(0, filled));
    }

    // The vector part of every segment, 8 values at a time (AVX2: no compress and no two-table permute): each value's
    // cell of MantissaCells is gathered, which gives its bin directly, and the in-range bins are left-packed by a
    // permute looked up from their mask.
    [SkipLocalsInit]
    private static unsafe void AddSegmentsVector256(Span<long> histogram, int stride, ReadOnlySpan<float> values, int channels, int channelSize,
        int vectorPart, Span<float> max, Span<long> positive)
    {
        Span<int> pending = stackalloc int[PendingLimit + Vector256<int>.Count];
        ref int pendingRef = ref MemoryMarshal.GetReference(pending);
        int filled = 0;
        int segments = values.Length / channelSize;
        fixed (int* cells = MantissaCells)
            for (int s = 0; s < segments; s++)
            {
                int c = s % channels;
                ref float x = ref MemoryMarshal.GetReference(values.Slice(s * channelSize, channelSize));
                var groupBase = Vector256.Create(c * stride);
                var largest = Vector256.Create(max[c]);
                long seen = 0, outside = 0;
                for (int i = 0; i < vectorPart; i += Vector256<float>.Count)
                {
                    var v = Vector256.LoadUnsafe(ref x, (nuint)i);
                    largest = Vector256.ConditionalSelect(Vector256.GreaterThan(v, largest), v, largest);   // lane by lane the scalar `if (v > max)`
                    Vector256<int> isPositive = Vector256.GreaterThan(v, Vector256<float>.Zero).AsInt32();
                    Vector256<int> bits = v.AsInt32();
                    Vector256<int> octave = Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(127 + MinExponent);
                    Vector256<int> inRange = Vector256.LessThan(octave.AsUInt32(), Vector256.Create((uint)Octaves)).AsInt32();
                    Vector256<int> mantissa = bits & Vector256.Create(MantissaMask);
                    Vector256<int> cell = Avx2.GatherVector256(cells, Vector256.ShiftRightLogical(mantissa, CellShift), 4);
                    // OctaveBin lane by lane: the edges below the cell, plus one where the mantissa reached the cell's next edge.
                    Vector256<int> bin = groupBase + Vector256.ShiftLeft(octave, 6) + (cell & Vector256.Create(BinsPerOctave - 1))
                        - Vector256.GreaterThanOrEqual(mantissa, Vector256.ShiftRightArithmetic(cell, 6));
                    filled += LeftPack.Store(bin, inRange.ExtractMostSignificantBits(), ref Unsafe.Add(ref pendingRef, filled));
                    seen += BitOperations.PopCount(isPositive.ExtractMostSignificantBits());
                    outside += BitOperations.PopCount((isPositive & ~inRange).ExtractMostSignificantBits());
                    if (filled < PendingLimit) continue;
                    Count(histogram, pending.Slice(0, filled));
                    filled = 0;
                }
                float top = max[c];
                for (int lane = 0; lane < Vector256<float>.Count; lane++)
                    if (largest[lane] > top) top = largest[lane];
                EndSegment(histogram, stride, values, s, c, channelSize, vectorPart, outside, top, seen, max, positive);
            }
        Count(histogram, pending.Slice(0, filled));
    }

    // After a segment's vector part: its out-of-range positives counted exactly (rare), its scalar tail, and its
    // channel's maximum and positive count written back.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EndSegment(Span<long> histogram, int stride, ReadOnlySpan<float> values, int s, int c, int channelSize, int vectorPart,
        long outside, float top, long seen, Span<float> max, Span<long> positive)
    {
        Span<long> counts = histogram.Slice(c * stride, stride);
        ReadOnlySpan<float> segment = values.Slice(s * channelSize, channelSize);
        if (outside > 0) AddOutOfRange(counts, segment.Slice(0, vectorPart));
        if (vectorPart < channelSize) seen += AddScalar(counts, segment.Slice(vectorPart), ref top);
        max[c] = top;
        positive[c] += seen;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Count(Span<long> histogram, ReadOnlySpan<int> bins)
    {
        ref long counts = ref MemoryMarshal.GetReference(histogram);
        foreach (int b in bins) Unsafe.Add(ref counts, b)++;
    }
}
