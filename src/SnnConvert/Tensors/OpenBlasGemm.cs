using System.Runtime.InteropServices;

namespace SnnConvert.Tensors;

/// <summary>
/// sgemm through OpenBLAS's CBLAS interface (Debian package libopenblas0), loaded at run time.
/// OpenBLAS is told to use one thread: SnnConvert parallelises over images itself, and nested
/// thread pools oversubscribe the cores.
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemm
{
    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    /// <inheritdoc/>
    public string Name { get; }

    private OpenBlasGemm(IntPtr library, string name)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(library, "cblas_sgemm");
        if (NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out IntPtr setThreads))
            ((delegate* unmanaged<int, void>)setThreads)(1);
        Name = name;
    }

    /// <summary>Loads OpenBLAS if present; returns null when no library with cblas_sgemm is found.</summary>
    public static OpenBlasGemm? TryLoad()
    {
        foreach (string candidate in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll", "openblas" })
        {
            if (!NativeLibrary.TryLoad(candidate, out IntPtr lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out _)) continue;
            string name = "OpenBLAS";
            if (NativeLibrary.TryGetExport(lib, "openblas_get_config", out IntPtr cfg))
                name += " (" + Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)cfg)())?.Trim() + ")";
            return new OpenBlasGemm(lib, name);
        }
        return null;
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // BLAS leaves C scaled by beta when k = 0; do it here so empty spans are never pinned.
            // beta = 0 overwrites (NaN included), as in the general case.
            for (int i = 0; i < m; i++)
            {
                Span<float> row = c.Slice(i * ldc, n);
                if (beta == 0f) row.Clear();
                else TensorPrimitives.Multiply(row, beta, row);
            }
            return;
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            _sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }
}
