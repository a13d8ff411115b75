
namespace SnnConvert.Tensors;

/// <summary>
/// Portable sgemm used when OpenBLAS is missing: operands are packed to plain row-major form,
/// then each row of C is built from vectorised multiply-adds of B's rows (TensorPrimitives).
/// Slower than OpenBLAS but exact in the same sense (float32 accumulation).
/// </summary>
public sealed class ManagedGemm : IGemm
{
    /// <inheritdoc/>
    public string Name => "managed (TensorPrimitives)";

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        float[] ap = Pack(a, lda, transA, m, k);   // (m, k)
        float[] bp = Pack(b, ldb, transB, k, n);   // (k, n)
        var row = new float[n];
        for (int i = 0; i < m; i++)
        {
            Array.Clear(row);
            for (int p = 0; p < k; p++)
            {
                float aip = ap[i * k + p];
                if (aip != 0f) TensorPrimitives.MultiplyAdd(bp.AsSpan(p * n, n), aip, row, row);
            }
            Span<float> crow = c.Slice(i * ldc, n);
            if (beta == 0f) TensorPrimitives.Multiply(row, alpha, crow);
            else
            {
                TensorPrimitives.Multiply(crow, beta, crow);
                TensorPrimitives.MultiplyAdd(row, alpha, crow, crow);
            }
        }
    }

    // Returns op(X) as a dense rows x cols array; X is stored (rows x cols) or, when transposed, (cols x rows).
    private static float[] Pack(ReadOnlySpan<float> x, int ld, bool transposed, int rows, int cols)
    {
        var p = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                p[r * cols + q] = transposed ? x[q * ld + r] : x[r * ld + q];
        return p;
    }
}
