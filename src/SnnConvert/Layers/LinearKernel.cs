using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>Fully connected forward over a batch: y (N, out) = x (N, in) x W^T + b, rows split into parallel chunks.</summary>
public static class LinearKernel
{
    /// <summary>Writes <paramref name="output"/> (N, out) from <paramref name="input"/> (N, in).</summary>
    public static void Forward(float[] input, int n, int fin, int fout, float[] weight, float[]? bias, float[] output)
    {
        IGemm gemm = Blas.Gemm;
        ChunkedParallel.For(n, (_, start, end) =>
        {
            if (start == end) return;
            Span<float> y = output.AsSpan(start * fout, (end - start) * fout);
            gemm.Sgemm(false, true, end - start, fout, fin, 1f, input.AsSpan(start * fin), fin, weight, fin, 0f, y, fout);
            if (bias is not null)
                for (int i = 0; i < end - start; i++) TensorPrimitives.Add(y.Slice(i * fout, fout), bias, y.Slice(i * fout, fout));
        });
    }
}
