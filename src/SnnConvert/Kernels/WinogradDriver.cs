using System.Numerics;
using System.Runtime.InteropServices;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// What every Winograd 3x3 stride-1 convolution F(m x m, 3x3) (Lavin &amp; Gray 2016) shares, for the tile transforms
/// <typeparamref name="T"/>: images copied channels-last into zero-padded buffers, the input transform of every
/// (m + 2) x (m + 2) window, one GEMM (tiles x C) x (C x Cout) per transformed position xi, the output transform and
/// the copy back channels-first. Groups of images share the GEMMs; the caller chooses chunks and groups from the sizes
/// only, so results do not depend on the thread count. Channel counts must be multiples of 8 and of the vector width.
/// </summary>
internal static class WinogradDriver<T> where T : struct, IWinogradTransform
{
    private const int Block = 8;    // channels per layout-change block (BlockTranspose's 8x8)

    /// <summary>Transformed positions per tile, (m + 2)^2.</summary>
    public static int Tiles => (T.TileSize + 2) * (T.TileSize + 2);

    /// <summary>Output tiles down and across: output size (h + 2 pad - 2) in tiles of m.</summary>
    public static (int Th, int Tw) TileCounts(int h, int w, int pad) =>
        ((h + 2 * pad - 3 + T.TileSize) / T.TileSize, (w + 2 * pad - 3 + T.TileSize) / T.TileSize);

    /// <summary>Floats of workspace one chunk needs for groups of <paramref name="group"/> images.</summary>
    public static int WorkspaceSize(int group, int c, int h, int w, int cout, int pad)
    {
        (int th, int tw) = TileCounts(h, w, pad);
        int m = T.TileSize, t = group * th * tw;
        return group * (m * th + 2) * (m * tw + 2) * c + Tiles * (Stride(t, c) + Stride(t, cout)) + group * m * m * th * tw * cout;
    }

    // Floats from one transformed position's matrix (T, channels) to the next: one cache line more than the matrix, since
    // (T * channels) floats are often a multiple of 4 KiB, and the transforms' streams at such a stride would all
    // fall in the same L1 set (measured: the F(2x2) and F(4x4) transforms ran 2-3x below their arithmetic cost).
    public static int Stride(int t, int channels) => t * channels + 16;

    /// <summary>
    /// input (N, C, H, W) -> output (N, Cout, H + 2 pad - 2, W + 2 pad - 2), overwritten, with the transformed weights
    /// <paramref name="u"/> (Tiles, C, Cout) and an optional bias (Cout); <paramref name="chunks"/> chunks of images,
    /// <paramref name="group"/> images per GEMM.
    /// </summary>
    public static void Forward(float[] input, int n, int c, int h, int w, int pad, float[] u, int cout, float[]? bias, float[] output,
        ChunkBuffers workspace, int chunks, int group)
    {
        int m = T.TileSize, ho = h + 2 * pad - 2, wo = w + 2 * pad - 2, tiles = Tiles;
        (int th, int tw) = TileCounts(h, w, pad);
        int perImage = th * tw, hp = m * th + 2, wp = m * tw + 2, padSize = group * hp * wp * c, tMax = group * perImage;
        float[][] buffers = workspace.GetChunks(chunks, WorkspaceSize(group, c, h, w, cout, pad));
        IGemm gemm = Blas.Gemm;
        ChunkedParallel.For(n, chunks, (chunk, start, end) =>
        {
            Span<float> all = buffers[chunk];
            Span<float> padded = all.Slice(0, padSize);                  // (G, hp, wp, C), channels last
            int vSize = tiles * Stride(tMax, c), mSize = tiles * Stride(tMax, cout);
            Span<float> v = all.Slice(padSize, vSize);                   // (Tiles, T, C), matrices Stride(T, C) apart
            Span<float> mm = all.Slice(padSize + vSize, mSize);          // (Tiles, T, Cout)
            Span<float> y = all.Slice(padSize + vSize + mSize);          // (G, m th, m tw, Cout)
            for (int i0 = start; i0 < end; i0 += group)
            {
                int count = Math.Min(group, end - i0), t = count * perImage;
                for (int j = 0; j < count; j++)
                    PadChannelsLast(input.AsSpan((i0 + j) * c * h * w, c * h * w), c, h, w, pad, hp, wp,
                        padded.Slice(j * hp * wp * c, hp * wp * c));
                InputTransform(padded, count, c, th, tw, wp, hp, v, t);
                for (int xi = 0; xi < tiles; xi++)
                    gemm.Sgemm(false, false, t, cout, c, 1f, v.Slice(xi * Stride(t, c), t * c), c, u.AsSpan(xi * c * cout, c * cout), cout, 0f,
                        mm.Slice(xi * Stride(t, cout), t * cout), cout);
                OutputTransform(mm, t, cout, count, th, tw, bias, y);
                for (int j = 0; j < count; j++)
                    StoreChannelsFirst(y.Slice(j * m * m * perImage * cout, m * m * perImage * cout), m * tw, cout, ho, wo,
                        output.AsSpan((i0 + j) * cout * ho * wo, cout * ho * wo));
            }
        });
    }

    /// <summary>
    /// padded[r][q][ch] = x[ch][r - pad][q - pad], 0 outside the image; (hp, wp) covers every tile's window. Only the
    /// border is cleared (clearing whole buffers was 4% of a cifar10-vgg training step). The layout changes go channel
    /// block by channel block (8 planes at a time, each row after row) rather than row by row over all channels: 8
    /// sequential streams through the channels-first tensor instead of C, which the prefetchers follow.
    /// </summary>
    public static void PadChannelsLast(ReadOnlySpan<float> x, int c, int h, int w, int pad, int hp, int wp, Span<float> padded)
    {
        int rows = Math.Min(h, hp - pad), cols = Math.Min(w, wp - pad);
        padded.Slice(0, pad * wp * c).Clear();
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = padded.Slice((r + pad) * wp * c, wp * c);
            row.Slice(0, pad * c).Clear();
            row.Slice((pad + cols) * c).Clear();
        }
        padded.Slice((rows + pad) * wp * c, (hp - rows - pad) * wp * c).Clear();
        for (int ch = 0; ch < c; ch += Block)
            for (int r = 0; r < rows; r++)
                BlockTranspose.Transpose(x.Slice(ch * h * w + r * w), Block, cols, h * w, padded.Slice(((r + pad) * wp + pad) * c + ch), c);
    }

    /// <summary>
    /// v[xi][t][ch] = (B^T d B)[xi] for the window d of tile t (tiles numbered image by image, then row by row), the
    /// matrices Stride(t, C) apart.
    /// </summary>
    public static void InputTransform(ReadOnlySpan<float> padded, int count, int c, int th, int tw, int wp, int hp, Span<float> v, int t)
    {
        int vc = Vector<float>.Count, m = T.TileSize;
        ref float src = ref MemoryMarshal.GetReference(padded);
        ref float dst = ref MemoryMarshal.GetReference(v);
        nuint step = (nuint)Stride(t, c), rowStep = (nuint)(wp * c), colStep = (nuint)c;
        Span<Vector<float>> scratch = stackalloc Vector<float>[Tiles];
        ref Vector<float> tmp = ref MemoryMarshal.GetReference(scratch);
        int tile = 0;
        for (int windowRow = 0; windowRow < count * th; windowRow++)   // image by image, tile row by tile row
        {
            // The row's first window: image windowRow / th, padded row m * (windowRow % th); windows m columns apart.
            nuint corner = (nuint)((windowRow / th * hp + m * (windowRow % th)) * wp * c);
            for (int tx = 0; tx < tw; tx++, tile++, corner += (nuint)(m * c))
                for (int ch = 0; ch < c; ch += vc)
                    T.InputTile(ref src, corner + (nuint)ch, rowStep, colStep, ref dst, (nuint)(tile * c + ch), step, ref tmp);
        }
    }

    // y[img][m ty + a][m tx + b][co] = (A^T M A)[a][b] + bias[co] for each tile's M[xi] = m[xi][tile][co].
    private static void OutputTransform(ReadOnlySpan<float> mm, int t, int cout, int count, int th, int tw, float[]? bias, Span<float> y)
    {
        int vc = Vector<float>.Count, m = T.TileSize, wy = m * tw;
        ref float src = ref MemoryMarshal.GetReference(mm);
        ref float dst = ref MemoryMarshal.GetReference(y);
        nuint step = (nuint)Stride(t, cout), next = (nuint)cout, down = (nuint)(wy * cout);
        Span<Vector<float>> scratch = stackalloc Vector<float>[Tiles];
        ref Vector<float> tmp = ref MemoryMarshal.GetReference(scratch);
        int tile = 0;
        for (int img = 0; img < count; img++)
            for (int ty = 0; ty < th; ty++)
                for (int tx = 0; tx < tw; tx++, tile++)
                    for (int co = 0; co < cout; co += vc)
                    {
                        Vector<float> b = bias is null ? Vector<float>.Zero : new Vector<float>(bias.AsSpan(co));
                        T.OutputTile(ref src, (nuint)(tile * cout + co), step, b,
                            ref dst, (nuint)((((img * m * th) + m * ty) * wy + m * tx) * cout + co), next, down, ref tmp);
                    }
    }

    // output[co][r][q] = y[r][q][co] for the (ho, wo) outputs inside the (hy, wy) tiled area, channel block by block.
    private static void StoreChannelsFirst(ReadOnlySpan<float> y, int wy, int cout, int ho, int wo, Span<float> output)
    {
        for (int co = 0; co < cout; co += Block)
            for (int r = 0; r < ho; r++)
                BlockTranspose.Transpose(y.Slice(r * wy * cout + co), wo, Block, cout, output.Slice(co * ho * wo + r * wo), ho * wo);
    }
}
