using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Convolution forward by im2col + GEMM over a batch: y_n (Cout, Ho*Wo) = W (Cout, C*K*K) x cols_n + b.
/// Images are split into fixed chunks run in parallel; each chunk has its own column buffer in the workspace.
/// Shared by the CNN layer and the SNN's synaptic currents.
/// </summary>
public static class Conv2dKernel
{
    /// <summary>input (N, C, H, W) -> output (N, Cout, Ho, Wo).</summary>
    /// <param name="input">Batch of N images.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="g">Sizes.</param>
    /// <param name="weight">(Cout, C, K, K).</param>
    /// <param name="bias">(Cout), or empty for none.</param>
    /// <param name="padValues">Per input channel value read outside the image, or empty for 0.</param>
    /// <param name="output">Batch of outputs, overwritten.</param>
    /// <param name="workspace">Column buffers.</param>
    public static void Forward(float[] input, int n, Conv2dGeometry g, float[] weight, float[]? bias, float[]? padValues, float[] output, ChunkBuffers workspace)
    {
        float[][] cols = workspace.Get(n, g.PatchSize * g.Positions);
        IGemm gemm = Blas.Gemm;
        int hw = g.Positions, kk = g.PatchSize;
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            Span<float> col = cols[chunk];
            for (int i = start; i < end; i++)
            {
                Im2Col.Unfold(input.AsSpan(i * g.InputSize, g.InputSize), g.C, g.H, g.W, g.K, g.Stride, g.Pad, g.Ho, g.Wo, col, padValues);
                Span<float> y = output.AsSpan(i * g.OutputSize, g.OutputSize);
                gemm.Sgemm(false, false, g.Cout, hw, kk, 1f, weight, kk, col, hw, 0f, y, hw);
                if (bias is not null)
                    for (int co = 0; co < g.Cout; co++) TensorPrimitives.Add(y.Slice(co * hw, hw), bias[co], y.Slice(co * hw, hw));
            }
        });
    }
}
