namespace SnnConvert.Tensors;

/// <summary>Checks sgemm arguments against span lengths so that native code never reads out of bounds.</summary>
internal static class GemmArguments
{
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"negative gemm size m={m} n={n} k={k}");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Check("A", aRows, aCols, lda, aLength);
        Check("B", bRows, bCols, ldb, bLength);
        Check("C", m, n, ldc, cLength);
    }

    private static void Check(string name, int rows, int cols, int ld, int length)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"gemm: leading dimension of {name} is {ld}, less than its {cols} columns");
        long needed = (long)(rows - 1) * ld + cols;
        if (needed > length) throw new ArgumentException($"gemm: {name} needs {needed} elements ({rows}x{cols}, ld {ld}) but has {length}");
    }
}
