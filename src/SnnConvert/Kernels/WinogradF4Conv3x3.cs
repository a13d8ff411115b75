using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SnnConvert.Tensors;
using Driver = SnnConvert.Kernels.WinogradDriver<SnnConvert.Kernels.WinogradF4Transform>;

namespace SnnConvert.Kernels;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's F(4x4, 3x3) (Lavin &amp; Gray 2016, interpolation points 0, 1, -1, 2, -2):
/// each 4x4 output tile is A^T [ (G g G^T) (.) (B^T d B) ] A for its 6x6 input tile d, 36 products for 16 outputs
/// (2.25 per output against F(2x2, 3x3)'s 4 and im2col's 9). Runs on <see cref="WinogradDriver{T}"/> with <see cref="WinogradF4Transform"/> like <see cref="WinogradConv3x3"/>
/// (channels-last padded copies, transforms on vectors of channels, 36 GEMMs of (tiles x C) x (C x Cout) per group of
/// images, groups chosen from the sizes only), used by the CNN layer for the forward pass, the input gradient
/// (flipped weights) and the weight gradient. The larger transform constants cost some float32 accuracy (relative
/// errors around 1e-6 instead of 1e-7), which training does not notice; tests bound it against a double-precision
/// direct convolution.
/// </summary>
public static class WinogradF4Conv3x3
{
    private const int Tiles = 36;   // 6x6 transformed positions (xi)
    private const int Block = 8;    // channels per layout-change block (BlockTranspose's 8x8); channel counts are multiples of it

    /// <summary>Output tiles down and across: output size (h + 2 pad - 2) in tiles of 4.</summary>
    public static (int Th, int Tw) TileCounts(int h, int w, int pad) => Driver.TileCounts(h, w, pad);

    /// <summary>Tiles a group of images should reach together (the GEMMs' M, or K for the weight gradient).</summary>
    public const int TargetTiles = 64;

    /// <summary>Smallest number of chunks a batch is split into (when it has that many images), for parallelism.</summary>
    public const int MinChunks = 4;

    /// <summary>
    /// Chunks of images and images per GEMM group for a batch of <paramref name="n"/> with <paramref name="tilesPerImage"/>
    /// tiles each: groups of about <see cref="TargetTiles"/> tiles, chunks of whole groups, at least
    /// <see cref="MinChunks"/> and at most <see cref="ChunkedParallel.MaxChunks"/> chunks. Sizes only, never the thread
    /// count. (The default 16 chunks of 4 images left small maps with GEMMs of 4-16 rows, and K = 4 for the weight
    /// gradient of 4x4 maps.)
    /// </summary>
    public static (int Chunks, int Group) Split(int n, int tilesPerImage)
    {
        int group = Math.Max(1, (TargetTiles + tilesPerImage - 1) / tilesPerImage);
        int chunks = Math.Max(1, Math.Clamp((n + group - 1) / group, Math.Min(MinChunks, n), Math.Min(n, ChunkedParallel.MaxChunks)));
        group = Math.Min(group, (n + chunks - 1) / chunks);
        return (chunks, group);
    }

    /// <summary>Floats of workspace one chunk needs (per-chunk buffers of <see cref="ChunkBuffers"/>).</summary>
    public static int WorkspaceSize(int n, int c, int h, int w, int cout, int pad)
    {
        (int th, int tw) = TileCounts(h, w, pad);
        return Driver.WorkspaceSize(Split(n, th * tw).Group, c, h, w, cout, pad);
    }

    /// <summary>
    /// U (36, C, Cout) = G g G^T for each (input channel, output channel) of <paramref name="weight"/> (Cout, C, 3, 3);
    /// with <paramref name="flip"/>, the kernel of the transposed convolution, U (36, Cout, C), channels swapped and each
    /// kernel rotated by 180 degrees. Rows of U split over chunks; every element is computed alone.
    /// </summary>
    public static void TransformWeights(float[] weight, int cout, int c, bool flip, float[] u)
    {
        if (weight.Length < cout * c * 9 || u.Length < Tiles * c * cout) throw new ArgumentException("weight or u too short");
        ChunkedParallel.For(flip ? cout : c, (_, start, end) =>
        {
            for (int row = start; row < end; row++) WinogradF4Transform.TransformWeightRow(weight, cout, c, flip, row, u);
        });
    }

    /// <summary>
    /// input (N, C, H, W) -> output (N, Cout, H + 2 pad - 2, W + 2 pad - 2), overwritten, with the transformed weights
    /// <paramref name="u"/> (36, C, Cout) of <see cref="TransformWeights"/> and an optional bias (Cout). Channel counts
    /// must be those <see cref="WinogradConv3x3.Supports"/> admits.
    /// </summary>
    public static void Forward(float[] input, int n, int c, int h, int w, int pad, float[] u, int cout, float[]? bias, float[] output,
        ChunkBuffers workspace)
    {
        (int th, int tw) = TileCounts(h, w, pad);
        (int chunks, int group) = Split(n, th * tw);
        Driver.Forward(input, n, c, h, w, pad, u, cout, bias, output, workspace, chunks, group);
    }

    /// <summary>
    /// Adds to <paramref name="gradWeight"/> (Cout, C, 3, 3) the weight gradient of <see cref="Forward"/> for the output
    /// gradient (N, Cout, Ho, Wo): dU[xi] (C, Cout) = sum over tiles of V[xi]^T dM[xi] with dM = A dY A^T of each 4x4
    /// output-gradient tile, then dW = G^T dU G. Per-chunk partial sums are reduced in chunk order, so the result does
    /// not depend on the thread count.
    /// </summary>
    public static void WeightGradient(float[] input, int n, int c, int h, int w, int pad, float[] gradOutput, int cout, float[] gradWeight,
        ChunkBuffers workspace, ChunkBuffers partials)
    {
        int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2;
        (int th, int tw) = TileCounts(h, w, pad);
        int perImage = th * tw;
        (int chunks, int group) = Split(n, perImage);
        int hp = 4 * th + 2, wp = 4 * tw + 2, padSize = group * hp * wp * c, tMax = group * perImage, uSize = Tiles * c * cout;
        float[][] buffers = workspace.GetChunks(chunks, WorkspaceSize(n, c, h, w, cout, pad));
        float[][] sums = partials.GetChunks(chunks, uSize);
        IGemm gemm = Blas.Gemm;
        ChunkedParallel.For(n, chunks, (chunk, start, end) =>
        {
            Span<float> all = buffers[chunk], du = sums[chunk].AsSpan(0, uSize);
            Span<float> padded = all.Slice(0, padSize);
            int vSize = Tiles * Driver.Stride(tMax, c), mSize = Tiles * Driver.Stride(tMax, cout);
            Span<float> v = all.Slice(padSize, vSize);                   // (36, T, C), matrices Driver.Stride(T, C) apart
            Span<float> dm = all.Slice(padSize + vSize, mSize);          // (36, T, Cout)
            Span<float> dy = all.Slice(padSize + vSize + mSize);         // (G, 4 th, 4 tw, Cout)
            for (int i0 = start; i0 < end; i0 += group)
            {
                int count = Math.Min(group, end - i0), t = count * perImage;
                for (int j = 0; j < count; j++)
                {
                    Driver.PadChannelsLast(input.AsSpan((i0 + j) * c * h * w, c * h * w), c, h, w, pad, hp, wp,
                        padded.Slice(j * hp * wp * c, hp * wp * c));
                    // dy of image j channels-last, 0 where a tile reaches past the output.
                    Span<float> dst = dy.Slice(j * 16 * perImage * cout, 16 * perImage * cout);
                    ReadOnlySpan<float> image = gradOutput.AsSpan((i0 + j) * cout * ho * wo, cout * ho * wo);
                    for (int co = 0; co < cout; co += Block)
                        for (int r = 0; r < ho; r++)
                            BlockTranspose.Transpose(image.Slice(co * ho * wo + r * wo), Block, wo, ho * wo, dst.Slice(r * 4 * tw * cout + co), cout);
                    for (int r = 0; r < ho; r++) dst.Slice((r * 4 * tw + wo) * cout, (4 * tw - wo) * cout).Clear();
                    dst.Slice(ho * 4 * tw * cout).Clear();
                }
                Driver.InputTransform(padded, count, c, th, tw, wp, hp, v, t);
                GradientTransform(dy, count, th, tw, cout, dm, t);
                for (int xi = 0; xi < Tiles; xi++)
                    // The chunk's first group overwrites its partial sums (beta 0) instead of adding to cleared ones.
                    gemm.Sgemm(true, false, c, cout, t, 1f, v.Slice(xi * Driver.Stride(t, c), t * c), c, dm.Slice(xi * Driver.Stride(t, cout), t * cout), cout,
                        i0 == start ? 0f : 1f, du.Slice(xi * c * cout, c * cout), cout);
            }
        });
        ChunkedParallel.ForElements(uSize, (e0, e1) =>
        {
            Span<float> total = sums[0].AsSpan(e0, e1 - e0);
            for (int chunk = 1; chunk < chunks; chunk++) TensorPrimitives.Add(total, sums[chunk].AsSpan(e0, e1 - e0), total);
        });
        float[] sum = sums[0];
        // dW = G^T dU G per (input, output) channel pair, on vectors of output channels; input channels split over chunks.
        ChunkedParallel.For(c, (_, c0, c1) =>
        {
            int vc = Vector<float>.Count;
            Span<Vector<float>> half = stackalloc Vector<float>[18];   // G^T dU, 3x6
            Span<float> lanes = stackalloc float[9 * vc];
            Span<Vector<float>> row = stackalloc Vector<float>[3];
            for (int ci = c0; ci < c1; ci++)
                for (int co = 0; co < cout; co += vc)
                {
                    for (int j = 0; j < 6; j++)
                        ReduceColumn(sum, (j * c + ci) * cout + co, 6 * c * cout, half, j, 6);
                    for (int r = 0; r < 3; r++)
                    {
                        ReduceRow(half.Slice(6 * r, 6), row);
                        for (int q = 0; q < 3; q++) row[q].CopyTo(lanes.Slice((3 * r + q) * vc));
                    }
                    for (int l = 0; l < vc; l++)
                    {
                        Span<float> g = gradWeight.AsSpan(((co + l) * c + ci) * 9, 9);
                        for (int tap = 0; tap < 9; tap++) g[tap] += lanes[tap * vc + l];
                    }
                }
        });
    }

    // half[at + i * stride] = (G^T u)[i] for the column u = sum[at0 + k * rowStep], k = 0..5;
    // G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1].
    private static void ReduceColumn(float[] sum, int at0, int rowStep, Span<Vector<float>> half, int at, int stride)
    {
        ref float s = ref MemoryMarshal.GetArrayDataReference(sum);
        Vector<float> u0 = Vector.LoadUnsafe(ref s, (nuint)at0), u1 = Vector.LoadUnsafe(ref s, (nuint)(at0 + rowStep));
        Vector<float> u2 = Vector.LoadUnsafe(ref s, (nuint)(at0 + 2 * rowStep)), u3 = Vector.LoadUnsafe(ref s, (nuint)(at0 + 3 * rowStep));
        Vector<float> u4 = Vector.LoadUnsafe(ref s, (nuint)(at0 + 4 * rowStep)), u5 = Vector.LoadUnsafe(ref s, (nuint)(at0 + 5 * rowStep));
        Reduce(u0, u1, u2, u3, u4, u5, out half[at], out half[at + stride], out half[at + 2 * stride]);
    }

    private static void ReduceRow(ReadOnlySpan<Vector<float>> u, Span<Vector<float>> dst) =>
        Reduce(u[0], u[1], u[2], u[3], u[4], u[5], out dst[0], out dst[1], out dst[2]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(Vector<float> u0, Vector<float> u1, Vector<float> u2, Vector<float> u3, Vector<float> u4, Vector<float> u5,
        out Vector<float> w0, out Vector<float> w1, out Vector<float> w2)
    {
        Vector<float> sixth = new(1f / 6), twelfth = new(1f / 12), twentyFourth = new(1f / 24);
        Vector<float> p12 = u1 + u2, m12 = u2 - u1, p34 = u3 + u4, m34 = u3 - u4;
        w0 = u0 * new Vector<float>(0.25f) - p12 * sixth + p34 * twentyFourth;
        w1 = m12 * sixth + m34 * twelfth;
        w2 = (p34 - p12) * sixth + u5;
    }

    // dm[xi][t][co] = (A dY A^T)[xi] for the 4x4 output-gradient tile dY of tile t: each of its 4 columns along the
    // rows (6 values, into tmp 6x4), then each row of tmp along the columns.
    private static void GradientTransform(ReadOnlySpan<float> dy, int count, int th, int tw, int cout, Span<float> dm, int t)
    {
        int vc = Vector<float>.Count, wy = 4 * tw;
        ref float src = ref MemoryMarshal.GetReference(dy);
        ref float dst = ref MemoryMarshal.GetReference(dm);
        nuint step = (nuint)Driver.Stride(t, cout), next = (nuint)cout, down = (nuint)(wy * cout);
        Span<Vector<float>> scratch = stackalloc Vector<float>[24];
        ref Vector<float> tmp = ref MemoryMarshal.GetReference(scratch);   // 6x4, unchecked: the indices are constants
        int tile = 0;
        for (int img = 0; img < count; img++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, tile++)
                    for (int co = 0; co < cout; co += vc)
                    {
                        nuint at = (nuint)((((img * 4 * th) + 4 * ty) * wy + 4 * tx) * cout + co), o = (nuint)(tile * cout + co);
                        for (int j = 0; j < 4; j++)
                        {
                            nuint a = at + (nuint)j * next;
                            A(Vector.LoadUnsafe(ref src, a), Vector.LoadUnsafe(ref src, a + down), Vector.LoadUnsafe(ref src, a + 2 * down),
                                Vector.LoadUnsafe(ref src, a + 3 * down),
                                out Unsafe.Add(ref tmp, j), out Unsafe.Add(ref tmp, 4 + j), out Unsafe.Add(ref tmp, 8 + j),
                                out Unsafe.Add(ref tmp, 12 + j), out Unsafe.Add(ref tmp, 16 + j), out Unsafe.Add(ref tmp, 20 + j));
                        }
                        for (int i = 0; i < 6; i++)
                        {
                            ref Vector<float> r = ref Unsafe.Add(ref tmp, 4 * i);
                            A(r, Unsafe.Add(ref r, 1), Unsafe.Add(ref r, 2), Unsafe.Add(ref r, 3),
                                out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3, out Vector<float> r4, out Vector<float> r5);
                            WinogradF4Transform.Store6(ref dst, o + (nuint)(6 * i) * step, step, r0, r1, r2, r3, r4, r5);
                        }
                    }
    }

    // (y0 .. y3) times A's rows, A = (A^T)^T: (y0, y0+y1+y2+y3, y0-y1+y2-y3, y0+2y1+4y2+8y3, y0-2y1+4y2-8y3, y3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void A(Vector<float> y0, Vector<float> y1, Vector<float> y2, Vector<float> y3,
        out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3, out Vector<float> r4, out Vector<float> r5)
    {
        Vector<float> even = y0 + y2, odd = y1 + y3, even4 = Vector.FusedMultiplyAdd(new Vector<float>(4f), y2, y0);
        Vector<float> odd4 = Vector.FusedMultiplyAdd(new Vector<float>(8f), y3, y1 + y1);
        r0 = y0;
        r1 = even + odd;
        r2 = even - odd;
        r3 = even4 + odd4;
        r4 = even4 - odd4;
        r5 = y3;
    }
}
