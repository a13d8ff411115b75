using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Convolution by im2col + GEMM over a batch. Images are split into fixed chunks run in parallel; within a chunk,
/// groups of G images share one column matrix cols (C*K*K, G*Ho*Wo), so a layer with few output positions (8x8, 4x4)
/// still gets GEMMs wide enough to run near the BLAS kernel's speed. G depends only on the sizes and the batch, never
/// on the thread count, so results are the same on every machine.
/// Forward:  Y (Cout, G*Ho*Wo) = W (Cout, C*K*K) x cols + b, scattered to y_n (Cout, Ho, Wo).
/// Backward: dW += dY x cols^T, db += sum(dY), dcols = W^T x dY, dx_n = fold(dcols) (dY gathered like Y).
/// Shared by the CNN layer and the SNN's synaptic currents.
/// </summary>
public static class Conv2dKernel
{
    /// <summary>Output positions a group of images should reach together (the GEMM's N); smaller layers group images.</summary>
    public const int TargetGemmColumns = 64;

    /// <summary>Images per GEMM group for a batch of <paramref name="n"/> with <paramref name="positions"/> outputs each.</summary>
    public static int GroupSize(int n, int positions)
    {
        int perChunk = (n + ChunkedParallel.ChunkCount(n) - 1) / ChunkedParallel.ChunkCount(n);
        return Math.Clamp(TargetGemmColumns / Math.Max(1, positions), 1, Math.Max(1, perChunk));
    }

    /// <summary>input (N, C, H, W) -> output (N, Cout, Ho, Wo).</summary>
    /// <param name="input">Batch of N images.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="g">Sizes.</param>
    /// <param name="weight">(Cout, C, K, K).</param>
    /// <param name="bias">(Cout), or empty for none.</param>
    /// <param name="padValues">Per input channel value read outside the image, or empty for 0.</param>
    /// <param name="output">Batch of outputs, overwritten.</param>
    /// <param name="workspace">Column buffers (per chunk: the columns of a group, then its G*Cout*Ho*Wo outputs).</param>
    public static void Forward(float[] input, int n, Conv2dGeometry g, float[] weight, float[]? bias, float[]? padValues, float[] output, ChunkBuffers workspace)
    {
        int hw = g.Positions, kk = g.PatchSize, group = GroupSize(n, hw);
        int colsSize = kk * group * hw;
        float[][] buffers = workspace.Get(n, colsSize + (group > 1 ? g.Cout * group * hw : 0));
        IGemm gemm = Blas.Gemm;
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            Span<float> cols = buffers[chunk].AsSpan(0, colsSize);
            for (int i0 = start; i0 < end; i0 += group)
            {
                int count = Math.Min(group, end - i0), ld = count * hw;
                for (int j = 0; j < count; j++)
                    Im2Col.Unfold(input.AsSpan((i0 + j) * g.InputSize, g.InputSize), g.C, g.H, g.W, g.K, g.Stride, g.Pad, g.Ho, g.Wo,
                        cols.Slice(j * hw), ld, padValues);
                if (count == 1)
                {
                    // One image: the GEMM writes the output in place.
                    Span<float> y = output.AsSpan(i0 * g.OutputSize, g.OutputSize);
                    gemm.Sgemm(false, false, g.Cout, hw, kk, 1f, weight, kk, cols, hw, 0f, y, hw);
                    if (bias is not null)
                        for (int co = 0; co < g.Cout; co++) TensorPrimitives.Add(y.Slice(co * hw, hw), bias[co], y.Slice(co * hw, hw));
                    continue;
                }
                Span<float> yg = buffers[chunk].AsSpan(colsSize, g.Cout * ld);   // (Cout, count*hw)
                gemm.Sgemm(false, false, g.Cout, ld, kk, 1f, weight, kk, cols, ld, 0f, yg, ld);
                for (int j = 0; j < count; j++)
                {
                    Span<float> y = output.AsSpan((i0 + j) * g.OutputSize, g.OutputSize);
                    for (int co = 0; co < g.Cout; co++)
                    {
                        ReadOnlySpan<float> src = yg.Slice(co * ld + j * hw, hw);
                        if (bias is null) src.CopyTo(y.Slice(co * hw, hw));
                        else TensorPrimitives.Add(src, bias[co], y.Slice(co * hw, hw));
                    }
                }
            }
        });
    }
}
