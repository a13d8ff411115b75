using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Fully connected forward over a batch: y (N, out) = x (N, in) x W^T + b, split into parallel chunks. Each chunk
/// re-reads the operand it does not split, so the split is over the batch rows when N &gt;= out (W re-read, x once)
/// and over the output features otherwise (x re-read, W once): a wide layer on a small batch does not stream its
/// whole weight matrix once per chunk.
/// </summary>
public static class LinearKernel
{
    /// <summary>Writes <paramref name="output"/> (N, out) from <paramref name="input"/> (N, in).</summary>
    public static void Forward(float[] input, int n, int fin, int fout, float[] weight, float[]? bias, float[] output)
    {
        IGemm gemm = Blas.Gemm;
        if (n >= fout)
        {
            ChunkedParallel.For(n, (_, start, end) =>
            {
                if (start == end) return;
                Span<float> y = output.AsSpan(start * fout, (end - start) * fout);
                gemm.Sgemm(false, true, end - start, fout, fin, 1f, input.AsSpan(start * fin), fin, weight, fin, 0f, y, fout);
                if (bias is not null)
                    for (int i = 0; i < end - start; i++) TensorPrimitives.Add(y.Slice(i * fout, fout), bias, y.Slice(i * fout, fout));
            });
            return;
        }
        // Chunk [o0, o1) of the outputs: y[:, o0:o1] = x (N, in) x W[o0:o1, :]^T.
        ChunkedParallel.For(fout, (_, o0, o1) =>
        {
            if (o0 == o1 || n == 0) return;
            Span<float> y = output.AsSpan(o0, (n - 1) * fout + (o1 - o0));
            gemm.Sgemm(false, true, n, o1 - o0, fin, 1f, input, fin, weight.AsSpan(o0 * fin, (o1 - o0) * fin), fin, 0f, y, fout);
            if (bias is not null)
                for (int i = 0; i < n; i++)
                {
                    Span<float> row = y.Slice(i * fout, o1 - o0);
                    TensorPrimitives.Add(row, bias.AsSpan(o0, o1 - o0), row);
                }
        });
    }
}
