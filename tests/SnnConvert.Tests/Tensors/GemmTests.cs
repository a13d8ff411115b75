using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

/// <summary>
/// Both sgemm backends against a naive triple loop in double precision: C = alpha op(A) op(B) + beta C,
/// row-major, for all transpose combinations, non-square sizes, padded leading dimensions and alpha/beta
/// other than 1/0. Every OpenBLAS test has a managed twin; the OpenBLAS ones are reported as skipped
/// when the library is missing.
/// </summary>
public class GemmTests
{
    private const float Sentinel = 12345.5f;   // fills the padding of C, which must stay untouched

    public static TheoryData<bool, bool, int, int, int, int, float, float> Cases()
    {
        var data = new TheoryData<bool, bool, int, int, int, int, float, float>();
        (int M, int N, int K)[] sizes = [(1, 1, 1), (2, 3, 4), (5, 7, 3), (17, 4, 33), (8, 19, 1), (33, 9, 65)];
        (float Alpha, float Beta)[] scales = [(1f, 0f), (-0.75f, 1.5f), (2f, 1f)];
        int caseIndex = 0;
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                foreach (var (m, n, k) in sizes)
                    foreach (int pad in new[] { 0, 3 })
                    {
                        // Cycle through the alpha/beta pairs so each transpose/size/pad combination meets one.
                        var (alpha, beta) = scales[caseIndex++ % scales.Length];
                        data.Add(ta, tb, m, n, k, pad, alpha, beta);
                    }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Managed_matches_naive_double_product(bool transA, bool transB, int m, int n, int k, int pad, float alpha, float beta) =>
        CheckAgainstNaive(new ManagedGemm(), transA, transB, m, n, k, pad, alpha, beta);

    [OpenBlasTheory]
    [MemberData(nameof(Cases))]
    public void OpenBlas_matches_naive_double_product(bool transA, bool transB, int m, int n, int k, int pad, float alpha, float beta) =>
        CheckAgainstNaive(OpenBlasProbe.Gemm!, transA, transB, m, n, k, pad, alpha, beta);

    [OpenBlasTheory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void OpenBlas_and_managed_agree(bool transA, bool transB)
    {
        const int m = 23, n = 41, k = 57, pad = 5;
        var rng = new Random(7);
        var (a, lda) = Matrix(rng, transA ? k : m, transA ? m : k, pad);
        var (b, ldb) = Matrix(rng, transB ? n : k, transB ? k : n, pad);
        var (c0, ldc) = Matrix(rng, m, n, pad, padValue: Sentinel);
        float[] viaManaged = (float[])c0.Clone(), viaOpenBlas = (float[])c0.Clone();
        new ManagedGemm().Sgemm(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, -2f, viaManaged, ldc);
        OpenBlasProbe.Gemm!.Sgemm(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, -2f, viaOpenBlas, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                // Each sum has k terms of size ~1: float32 accumulation error is a few k * 6e-8.
                float x = viaManaged[i * ldc + j], y = viaOpenBlas[i * ldc + j];
                Assert.True(Math.Abs(x - y) <= 1e-5 * k * Math.Max(1, Math.Abs(x)), $"C[{i},{j}]: managed {x}, OpenBLAS {y}");
            }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void Managed_with_k_zero_scales_C_by_beta(float beta) => CheckEmptyInnerDimension(new ManagedGemm(), beta);

    [OpenBlasTheory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(1f)]
    public void OpenBlas_with_k_zero_scales_C_by_beta(float beta) => CheckEmptyInnerDimension(OpenBlasProbe.Gemm!, beta);

    [Fact]
    public void Managed_with_empty_output_leaves_C_alone() => CheckEmptyOutput(new ManagedGemm());

    [OpenBlasFact]
    public void OpenBlas_with_empty_output_leaves_C_alone() => CheckEmptyOutput(OpenBlasProbe.Gemm!);

    [Fact]
    public void Managed_rejects_bad_arguments() => CheckValidation(new ManagedGemm());

    [OpenBlasFact]
    public void OpenBlas_rejects_bad_arguments() => CheckValidation(OpenBlasProbe.Gemm!);

    // ---------------------------------------------------------------------------------------------

    private static void CheckAgainstNaive(IGemm gemm, bool transA, bool transB, int m, int n, int k, int pad, float alpha, float beta)
    {
        var rng = new Random(HashCode.Combine(transA, transB, m, n, k, pad));
        // Stored A is (k x m) when transposed, B is (n x k) when transposed. Padding columns hold NaN:
        // reading them would poison the result.
        var (a, lda) = Matrix(rng, transA ? k : m, transA ? m : k, pad);
        var (b, ldb) = Matrix(rng, transB ? n : k, transB ? k : n, pad);
        var (c, ldc) = Matrix(rng, m, n, pad, padValue: Sentinel);
        // beta = 0 must overwrite C, NaN included (the BLAS contract).
        if (beta == 0f)
            for (int i = 0; i < m; i++) c.AsSpan(i * ldc, n).Fill(float.NaN);
        float[] c0 = (float[])c.Clone();

        gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    magnitude += Math.Abs(av * bv);
                }
                double expected = alpha * sum + (beta == 0f ? 0 : beta * (double)c0[i * ldc + j]);
                double scale = Math.Abs(alpha) * magnitude + (beta == 0f ? 0 : Math.Abs(beta * (double)c0[i * ldc + j]));
                double tolerance = 1e-5 * (k + 1) * Math.Max(scale, 1e-30);
                float actual = c[i * ldc + j];
                Assert.True(Math.Abs(actual - expected) <= tolerance,
                    $"{gemm.Name}: C[{i},{j}] = {actual}, expected {expected} (tolerance {tolerance:g3}; transA={transA} transB={transB} m={m} n={n} k={k} pad={pad})");
            }
        // The columns of C beyond n (leading dimension padding) are not touched.
        for (int i = 0; i < m; i++)
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                Assert.Equal(Sentinel, c[i * ldc + j]);
    }

    private static void CheckEmptyInnerDimension(IGemm gemm, float beta)
    {
        const int m = 3, n = 4, ldc = 6;
        var c = new float[(m - 1) * ldc + n];
        for (int i = 0; i < c.Length; i++) c[i] = i + 1;
        float[] c0 = (float[])c.Clone();
        gemm.Sgemm(false, false, m, n, 0, 1f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, n, beta, c, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc && i * ldc + j < c.Length; j++)
            {
                // op(A) op(B) is an m x n matrix of empty sums (zeros), so C becomes beta * C; padding is untouched.
                float expected = j < n ? beta * c0[i * ldc + j] : c0[i * ldc + j];
                Assert.True(expected == c[i * ldc + j], $"{gemm.Name}: k = 0, beta = {beta}: C[{i},{j}] = {c[i * ldc + j]}, expected {expected}");
            }
    }

    private static void CheckEmptyOutput(IGemm gemm)
    {
        var a = new float[] { 1, 2, 3 };
        var c = new float[] { 7, 8, 9 };
        gemm.Sgemm(false, false, 0, 3, 1, 1f, ReadOnlySpan<float>.Empty, 1, a, 3, 0f, Span<float>.Empty, 3);
        gemm.Sgemm(false, false, 3, 0, 1, 1f, a, 1, ReadOnlySpan<float>.Empty, 1, 0f, c, 1);
        Assert.Equal([7f, 8f, 9f], c);
    }

    private static void CheckValidation(IGemm gemm)
    {
        // op(A) 3x4 stored with lda 6, op(B) 4x5 with ldb 7, C 3x5 with ldc 8: exact lengths (rows-1)*ld + cols.
        const int m = 3, n = 5, k = 4, lda = 6, ldb = 7, ldc = 8;
        int aLen = (m - 1) * lda + k, bLen = (k - 1) * ldb + n, cLen = (m - 1) * ldc + n;
        float[] a = new float[aLen], b = new float[bLen], c = new float[cLen];
        a.AsSpan().Fill(1f);
        b.AsSpan().Fill(2f);

        // Exact lengths are accepted and give the right value (k * 1 * 2).
        gemm.Sgemm(false, false, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc);
        Assert.Equal(2f * k, c[cLen - 1]);
        Assert.Equal(2f * k, c[0]);

        // One element short, for each operand and both transpose settings.
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, a.AsSpan(0, aLen - 1), lda, b, ldb, 0f, c, ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, a, lda, b.AsSpan(0, bLen - 1), ldb, 0f, c, ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, a, lda, b, ldb, 0f, c.AsSpan(0, cLen - 1), ldc));
        // Transposed A is stored k x m: (k-1)*lda + m elements are needed.
        float[] at = new float[(k - 1) * lda + m];
        gemm.Sgemm(true, false, m, n, k, 1f, at, lda, b, ldb, 0f, c, ldc);
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(true, false, m, n, k, 1f, at.AsSpan(0, at.Length - 1), lda, b, ldb, 0f, c, ldc));
        // Transposed B is stored n x k: (n-1)*ldb + k elements are needed.
        float[] bt = new float[(n - 1) * ldb + k];
        gemm.Sgemm(false, true, m, n, k, 1f, a, lda, bt, ldb, 0f, c, ldc);
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, true, m, n, k, 1f, a, lda, bt.AsSpan(0, bt.Length - 1), ldb, 0f, c, ldc));

        // Leading dimensions smaller than the stored column count.
        float[] big = new float[1000];
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, big, k - 1, big, ldb, 0f, new float[1000], ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, big, lda, big, n - 1, 0f, new float[1000], ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, k, 1f, big, lda, big, ldb, 0f, new float[1000], n - 1));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(true, false, m, n, k, 1f, big, m - 1, big, ldb, 0f, new float[1000], ldc));

        // Negative sizes.
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, -1, n, k, 1f, big, lda, big, ldb, 0f, new float[1000], ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, -1, k, 1f, big, lda, big, ldb, 0f, new float[1000], ldc));
        Assert.Throws<ArgumentException>(() => gemm.Sgemm(false, false, m, n, -1, 1f, big, lda, big, ldb, 0f, new float[1000], ldc));
    }

    /// <summary>A rows x cols matrix of values in [-1, 1] stored with leading dimension cols + pad, exactly
    /// (rows - 1) * ld + cols long; the padding holds <paramref name="padValue"/>.</summary>
    private static (float[] Data, int Ld) Matrix(Random rng, int rows, int cols, int pad, float padValue = float.NaN)
    {
        int ld = cols + pad;
        var data = new float[Math.Max(0, (rows - 1) * ld + cols)];
        data.AsSpan().Fill(padValue);
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                data[r * ld + q] = (float)(rng.NextDouble() * 2 - 1);
        return (data, ld);
    }
}
