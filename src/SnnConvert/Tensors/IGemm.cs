namespace SnnConvert.Tensors;

/// <summary>
/// Single-precision general matrix product, row-major: C = alpha * op(A) * op(B) + beta * C,
/// where op(A) is m x k, op(B) is k x n and C is m x n (the BLAS sgemm contract).
/// </summary>
public interface IGemm
{
    /// <summary>Name shown in logs, e.g. "OpenBLAS 0.3.21" or "managed".</summary>
    string Name { get; }

    /// <summary>Computes C = alpha * op(A) * op(B) + beta * C on row-major spans.</summary>
    /// <param name="transA">Use A transposed (A is stored k x m).</param>
    /// <param name="transB">Use B transposed (B is stored n x k).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">Matrix A with leading dimension <paramref name="lda"/>.</param>
    /// <param name="lda">Row stride of A as stored.</param>
    /// <param name="b">Matrix B with leading dimension <paramref name="ldb"/>.</param>
    /// <param name="ldb">Row stride of B as stored.</param>
    /// <param name="beta">Scale of the existing C (0 overwrites it, NaN included).</param>
    /// <param name="c">Matrix C with leading dimension <paramref name="ldc"/>.</param>
    /// <param name="ldc">Row stride of C.</param>
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);
}
