using System.Numerics;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin &amp; Gray 2016, "Fast Algorithms for
/// Convolutional Neural Networks"): each 2x2 output tile is A^T [ (G g G^T) (.) (B^T d B) ] A for its 4x4 input tile d,
/// so the 16 element-wise products become 16 GEMMs over (tiles x C) x (C x Cout) with 2.25x fewer multiplications
/// than im2col (<see cref="WinogradDriver{T}"/> with <see cref="WinogradF2Transform"/>). The SNN simulator's dense
/// engine uses it (weights transformed once per runner); training's convolution layer runs
/// <see cref="WinogradF4Conv3x3"/> instead, on the layers that <see cref="Supports"/> admits.
/// </summary>
public static class WinogradConv3x3
{
    /// <summary>Tiles a group of images should reach together (the GEMMs' M).</summary>
    public const int TargetTiles = 64;

    /// <summary>
    /// Whether a convolution (<paramref name="kernel"/>, <paramref name="stride"/>, <paramref name="padding"/>,
    /// <paramref name="outChannels"/>) on <paramref name="inChannels"/> channels can run here: 3x3, stride 1, padding at
    /// most 2, and both channel counts multiples of 8 and of the vector width (small first layers, e.g. 1 or 3
    /// channels, stay on im2col, where they cost little).
    /// </summary>
    public static bool Supports(int kernel, int stride, int padding, int outChannels, int inChannels)
    {
        int multiple = Math.Max(8, Vector<float>.Count);
        return kernel == 3 && stride == 1 && padding <= 2 && inChannels % multiple == 0 && outChannels % multiple == 0;
    }

    /// <summary>
    /// U (16, C, Cout) = G g G^T for each (input channel, output channel) of <paramref name="weight"/> (Cout, C, 3, 3).
    /// </summary>
    public static void TransformWeights(ReadOnlySpan<float> weight, int cout, int c, Span<float> u) =>
        WinogradF2Transform.TransformWeights(weight, cout, c, u);

    /// <summary>Images per GEMM group for a batch of <paramref name="n"/> with <paramref name="tilesPerImage"/> tiles each.</summary>
    public static int GroupSize(int n, int tilesPerImage)
    {
        int chunks = ChunkedParallel.ChunkCount(n), perChunk = (n + chunks - 1) / chunks;
        return Math.Clamp((TargetTiles + tilesPerImage - 1) / tilesPerImage, 1, Math.Max(1, perChunk));
    }

    /// <summary>Floats of workspace one chunk needs (per-chunk buffers of <see cref="ChunkBuffers"/>).</summary>
    public static int WorkspaceSize(int n, int c, int h, int w, int cout, int pad)
    {
        (int th, int tw) = WinogradDriver<WinogradF2Transform>.TileCounts(h, w, pad);
        return WinogradDriver<WinogradF2Transform>.WorkspaceSize(GroupSize(n, th * tw), c, h, w, cout, pad);
    }

    /// <summary>
    /// input (N, C, H, W) -> output (N, Cout, H + 2 pad - 2, W + 2 pad - 2), overwritten, with the transformed weights
    /// <paramref name="u"/> (16, C, Cout) of <see cref="TransformWeights"/> and an optional bias (Cout).
    /// </summary>
    public static void Forward(float[] input, int n, int c, int h, int w, int pad, float[] u, int cout, float[]? bias, float[] output,
        ChunkBuffers workspace)
    {
        (int th, int tw) = WinogradDriver<WinogradF2Transform>.TileCounts(h, w, pad);
        WinogradDriver<WinogradF2Transform>.Forward(input, n, c, h, w, pad, u, cout, bias, output, workspace,
            ChunkedParallel.ChunkCount(n), GroupSize(n, th * tw));
    }
}
