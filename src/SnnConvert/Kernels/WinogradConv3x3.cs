using System.Numerics;
using System.Runtime.InteropServices;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin &amp; Gray 2016, "Fast Algorithms for
/// Convolutional Neural Networks"): each 2x2 output tile is A^T [ (G g G^T) (.) (B^T d B) ] A for its 4x4 input tile d,
/// so the 16 element-wise products become 16 GEMMs over (tiles x C) x (C x Cout) with 2.25x fewer multiplications
/// than im2col. The SNN simulator's dense engine uses its forward pass (weights transformed once per runner);
/// training's convolution layer runs <see cref="WinogradF4Conv3x3"/> instead, on the layers that
/// <see cref="Supports"/> admits.
/// Layout: images are copied channels-last into a zero-padded buffer so that every transform works on Vector&lt;float&gt;
/// lanes of consecutive channels; both channel counts must be multiples of the vector width (<see cref="Supports"/>).
/// Groups of images share the GEMMs (as in <see cref="Conv2dKernel"/>), chosen from the sizes only: results do not
/// depend on the thread count.
/// </summary>
public static class WinogradConv3x3
{
    private const int Tiles = 16;   // 4x4 transformed positions (xi)

    /// <summary>Tiles a group of images should reach together (the GEMMs' M).</summary>
    public const int TargetTiles = 64;

    /// <summary>
    /// Whether a convolution (<paramref name="kernel"/>, <paramref name="stride"/>, <paramref name="padding"/>,
    /// <paramref name="outChannels"/>) on <paramref name="inChannels"/> channels can run here: 3x3, stride 1, padding at
    /// most 2, and both channel counts multiples of the vector width (small first layers, e.g. 1 or 3 channels, stay on
    /// im2col, where they cost little).
    /// </summary>
    public static bool Supports(int kernel, int stride, int padding, int outChannels, int inChannels) =>
        kernel == 3 && stride == 1 && padding <= 2 &&
        inChannels % Vector<float>.Count == 0 && outChannels % Vector<float>.Count == 0;

    /// <summary>
    /// U (16, C, Cout) = G g G^T for each (input channel, output channel) of <paramref name="weight"/> (Cout, C, 3, 3).
    /// </summary>
    public static void TransformWeights(ReadOnlySpan<float> weight, int cout, int c, Span<float> u)
    {
        Span<float> gg = stackalloc float[12];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < c; ci++)
            {
                ReadOnlySpan<float> g = weight.Slice((co * c + ci) * 9, 9);
                // gg (4x3) = G g, G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    gg[j] = g0;
                    gg[3 + j] = 0.5f * (g0 + g1 + g2);
                    gg[6 + j] = 0.5f * (g0 - g1 + g2);
                    gg[9 + j] = g2;
                }
                for (int i = 0; i < 4; i++)
                {
                    float a0 = gg[3 * i], a1 = gg[3 * i + 1], a2 = gg[3 * i + 2];
                    // (G g) G^T, row i.
                    Span<float> t = [a0, 0.5f * (a0 + a1 + a2), 0.5f * (a0 - a1 + a2), a2];
                    for (int j = 0; j < 4; j++) u[((i * 4 + j) * c + ci) * cout + co] = t[j];
                }
            }
    }

    /// <summary>Images per GEMM group for a batch of <paramref name="n"/> with <paramref name="tilesPerImage"/> tiles each.</summary>
    public static int GroupSize(int n, int tilesPerImage)
    {
        int chunks = ChunkedParallel.ChunkCount(n), perChunk = (n + chunks - 1) / chunks;
        return Math.Clamp((TargetTiles + tilesPerImage - 1) / tilesPerImage, 1, Math.Max(1, perChunk));
    }

    /// <summary>Floats of workspace one chunk needs (per-chunk buffers of <see cref="ChunkBuffers"/>).</summary>
    public static int WorkspaceSize(int n, int c, int h, int w, int cout, int pad)
    {
        (int th, int tw) = TileCounts(h, w, pad);
        int group = GroupSize(n, th * tw), t = group * th * tw;
        return group * (2 * th + 2) * (2 * tw + 2) * c + Tiles * t * c + Tiles * t * cout + group * 4 * th * tw * cout;
    }

    // Output tiles down and across: output size (h + 2 pad - 2) in tiles of 2.
    private static (int Th, int Tw) TileCounts(int h, int w, int pad) => ((h + 2 * pad - 1) / 2, (w + 2 * pad - 1) / 2);

    /// <summary>
    /// input (N, C, H, W) -> output (N, Cout, H + 2 pad - 2, W + 2 pad - 2), overwritten, with the transformed weights
    /// <paramref name="u"/> (16, C, Cout) of <see cref="TransformWeights"/> and an optional bias (Cout).
    /// </summary>
    public static void Forward(float[] input, int n, int c, int h, int w, int pad, float[] u, int cout, float[]? bias, float[] output,
        ChunkBuffers workspace)
    {
        int ho = h + 2 * pad - 2, wo = w + 2 * pad - 2;
        (int th, int tw) = TileCounts(h, w, pad);
        int perImage = th * tw, group = GroupSize(n, perImage);
        int hp = 2 * th + 2, wp = 2 * tw + 2, padSize = group * hp * wp * c, tMax = group * perImage;
        float[][] buffers = workspace.Get(n, WorkspaceSize(n, c, h, w, cout, pad));
        IGemm gemm = Blas.Gemm;
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            Span<float> all = buffers[chunk];
            Span<float> padded = all.Slice(0, padSize);                                 // (G, hp, wp, C), channels last
            Span<float> v = all.Slice(padSize, Tiles * tMax * c);                       // (16, T, C)
            Span<float> m = all.Slice(padSize + Tiles * tMax * c, Tiles * tMax * cout); // (16, T, Cout)
            Span<float> y = all.Slice(padSize + Tiles * tMax * (c + cout));             // (G, 2 th, 2 tw, Cout)
            for (int i0 = start; i0 < end; i0 += group)
            {
                int count = Math.Min(group, end - i0), t = count * perImage;
                for (int j = 0; j < count; j++)
                    PadChannelsLast(input.AsSpan((i0 + j) * c * h * w, c * h * w), c, h, w, pad, hp, wp, padded.Slice(j * hp * wp * c, hp * wp * c));
                InputTransform(padded, count, c, th, tw, wp, hp, v, t);
                for (int xi = 0; xi < Tiles; xi++)
                    gemm.Sgemm(false, false, t, cout, c, 1f, v.Slice(xi * t * c, t * c), c, u.AsSpan(xi * c * cout, c * cout), cout, 0f,
                        m.Slice(xi * t * cout, t * cout), cout);
                OutputTransform(m, t, cout, count, th, tw, bias, y);
                for (int j = 0; j < count; j++)
                    StoreChannelsFirst(y.Slice(j * 4 * perImage * cout, 4 * perImage * cout), 2 * tw, cout, ho, wo,
                        output.AsSpan((i0 + j) * cout * ho * wo, cout * ho * wo));
            }
        });
    }

    // padded[r][q][ch] = x[ch][r - pad][q - pad], 0 outside the image; (hp, wp) covers every tile's 4x4 window.
    private static void PadChannelsLast(ReadOnlySpan<float> x, int c, int h, int w, int pad, int hp, int wp, Span<float> padded)
    {
        padded.Clear();
        int rows = Math.Min(h, hp - pad), cols = Math.Min(w, wp - pad);
        for (int r = 0; r < rows; r++)
            BlockTranspose.Transpose(x.Slice(r * w), c, cols, h * w, padded.Slice(((r + pad) * wp + pad) * c), c);
    }

    // v[xi][t][ch] = (B^T d B)[xi] for the 4x4 window d of tile t, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1];
    // tiles numbered image by image, then row by row. Columns first (each of the 4 rows of d), then rows.
    private static void InputTransform(ReadOnlySpan<float> padded, int count, int c, int th, int tw, int wp, int hp, Span<float> v, int t)
    {
        int vc = Vector<float>.Count;
        ref float src = ref MemoryMarshal.GetReference(padded);
        ref float dst = ref MemoryMarshal.GetReference(v);
        nuint step = (nuint)(t * c), rowStep = (nuint)(wp * c), colStep = (nuint)c;
        int tile = 0;
        for (int img = 0; img < count; img++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, tile++)
                    for (int ch = 0; ch < c; ch += vc)
                    {
                        nuint at = (nuint)(((img * hp + 2 * ty) * wp + 2 * tx) * c + ch), o = (nuint)(tile * c + ch);
                        // w_i = row i of d times B (along the columns), for rows 0..3.
                        Row(ref src, at, colStep, out Vector<float> a0, out Vector<float> a1, out Vector<float> a2, out Vector<float> a3);
                        Row(ref src, at + rowStep, colStep, out Vector<float> b0, out Vector<float> b1, out Vector<float> b2, out Vector<float> b3);
                        Row(ref src, at + 2 * rowStep, colStep, out Vector<float> c0, out Vector<float> c1, out Vector<float> c2, out Vector<float> c3);
                        Row(ref src, at + 3 * rowStep, colStep, out Vector<float> d0, out Vector<float> d1, out Vector<float> d2, out Vector<float> d3);
                        // Then B^T along the rows: xi = 4 i + j.
                        (a0 - c0).StoreUnsafe(ref dst, o);
                        (a1 - c1).StoreUnsafe(ref dst, o + step);
                        (a2 - c2).StoreUnsafe(ref dst, o + 2 * step);
                        (a3 - c3).StoreUnsafe(ref dst, o + 3 * step);
                        (b0 + c0).StoreUnsafe(ref dst, o + 4 * step);
                        (b1 + c1).StoreUnsafe(ref dst, o + 5 * step);
                        (b2 + c2).StoreUnsafe(ref dst, o + 6 * step);
                        (b3 + c3).StoreUnsafe(ref dst, o + 7 * step);
                        (c0 - b0).StoreUnsafe(ref dst, o + 8 * step);
                        (c1 - b1).StoreUnsafe(ref dst, o + 9 * step);
                        (c2 - b2).StoreUnsafe(ref dst, o + 10 * step);
                        (c3 - b3).StoreUnsafe(ref dst, o + 11 * step);
                        (b0 - d0).StoreUnsafe(ref dst, o + 12 * step);
                        (b1 - d1).StoreUnsafe(ref dst, o + 13 * step);
                        (b2 - d2).StoreUnsafe(ref dst, o + 14 * step);
                        (b3 - d3).StoreUnsafe(ref dst, o + 15 * step);
                    }
    }

    // One row (x0 x1 x2 x3) of a window times B: (x0 - x2, x1 + x2, x2 - x1, x1 - x3).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Row(ref float src, nuint at, nuint colStep, out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3)
    {
        Vector<float> x0 = Vector.LoadUnsafe(ref src, at), x1 = Vector.LoadUnsafe(ref src, at + colStep);
        Vector<float> x2 = Vector.LoadUnsafe(ref src, at + 2 * colStep), x3 = Vector.LoadUnsafe(ref src, at + 3 * colStep);
        r0 = x0 - x2; r1 = x1 + x2; r2 = x2 - x1; r3 = x1 - x3;
    }

    // y[img][2 ty + a][2 tx + b][co] = (A^T m A)[a][b] + bias[co], A^T = [1 1 1 0; 0 1 -1 -1]: rows first, then columns.
    private static void OutputTransform(ReadOnlySpan<float> m, int t, int cout, int count, int th, int tw, float[]? bias, Span<float> y)
    {
        int vc = Vector<float>.Count, wy = 2 * tw;
        ref float src = ref MemoryMarshal.GetReference(m);
        ref float dst = ref MemoryMarshal.GetReference(y);
        nuint step = (nuint)(t * cout), next = (nuint)cout, down = (nuint)(wy * cout);
        int tile = 0;
        for (int img = 0; img < count; img++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, tile++)
                    for (int co = 0; co < cout; co += vc)
                    {
                        nuint at = (nuint)(tile * cout + co);
                        Vector<float> b = bias is null ? Vector<float>.Zero : new Vector<float>(bias.AsSpan(co));
                        Column(ref src, at, 4 * step, out Vector<float> s0, out Vector<float> t0);
                        Column(ref src, at + step, 4 * step, out Vector<float> s1, out Vector<float> t1);
                        Column(ref src, at + 2 * step, 4 * step, out Vector<float> s2, out Vector<float> t2);
                        Column(ref src, at + 3 * step, 4 * step, out Vector<float> s3, out Vector<float> t3);
                        nuint o = (nuint)((((img * 2 * th) + 2 * ty) * wy + 2 * tx) * cout + co);
                        (s0 + s1 + s2 + b).StoreUnsafe(ref dst, o);
                        (s1 - s2 - s3 + b).StoreUnsafe(ref dst, o + next);
                        (t0 + t1 + t2 + b).StoreUnsafe(ref dst, o + down);
                        (t1 - t2 - t3 + b).StoreUnsafe(ref dst, o + down + next);
                    }
    }

    // Column j of m (entries xi = j, 4 + j, 8 + j, 12 + j) times A^T: (m0 + m1 + m2, m1 - m2 - m3).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float src, nuint at, nuint rowStep, out Vector<float> top, out Vector<float> bottom)
    {
        Vector<float> m0 = Vector.LoadUnsafe(ref src, at), m1 = Vector.LoadUnsafe(ref src, at + rowStep);
        Vector<float> m2 = Vector.LoadUnsafe(ref src, at + 2 * rowStep), m3 = Vector.LoadUnsafe(ref src, at + 3 * rowStep);
        top = m0 + m1 + m2;
        bottom = m1 - m2 - m3;
    }

    // output[co][r][q] = y[r][q][co] for the (ho, wo) outputs inside the (hy, wy) tiled area.
    private static void StoreChannelsFirst(ReadOnlySpan<float> y, int wy, int cout, int ho, int wo, Span<float> output)
    {
        for (int r = 0; r < ho; r++)
            BlockTranspose.Transpose(y.Slice(r * wy * cout), wo, cout, cout, output.Slice(r * wo), ho * wo);
    }
}
