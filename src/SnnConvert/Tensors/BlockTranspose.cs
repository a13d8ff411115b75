using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SnnConvert.Tensors;

/// <summary>
/// Strided matrix transpose, 8x8 blocks at a time in AVX registers where available (the layout changes around
/// channels-last kernels cost as much as the kernels when done one element at a time).
/// </summary>
public static class BlockTranspose
{
    /// <summary>dst[j * dstStride + i] = src[i * srcStride + j] for i &lt; rows, j &lt; cols.</summary>
    public static void Transpose(ReadOnlySpan<float> src, int rows, int cols, int srcStride, Span<float> dst, int dstStride)
    {
        if (rows <= 0 || cols <= 0) return;
        if (srcStride < cols || dstStride < rows) throw new ArgumentException("a stride is shorter than its row");
        if ((long)(rows - 1) * srcStride + cols > src.Length) throw new ArgumentException("source too short", nameof(src));
        if ((long)(cols - 1) * dstStride + rows > dst.Length) throw new ArgumentException("destination too short", nameof(dst));
        ref float s = ref MemoryMarshal.GetReference(src);
        ref float d = ref MemoryMarshal.GetReference(dst);
        int i = 0;
        if (Avx.IsSupported)
            for (; i + 8 <= rows; i += 8)
            {
                int j = 0;
                for (; j + 8 <= cols; j += 8) Block8(ref Unsafe.Add(ref s, i * srcStride + j), srcStride, ref Unsafe.Add(ref d, j * dstStride + i), dstStride);
                for (; j < cols; j++)
                    for (int r = i; r < i + 8; r++) Unsafe.Add(ref d, j * dstStride + r) = Unsafe.Add(ref s, r * srcStride + j);
            }
        for (; i < rows; i++)
            for (int j = 0; j < cols; j++) Unsafe.Add(ref d, j * dstStride + i) = Unsafe.Add(ref s, i * srcStride + j);
    }

    // One 8x8 block.
    private static void Block8(ref float s, int srcStride, ref float d, int dstStride)
    {
        Load8x8Transposed(ref s, srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
            out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7);
        c0.StoreUnsafe(ref d);
        c1.StoreUnsafe(ref d, (nuint)dstStride);
        c2.StoreUnsafe(ref d, (nuint)(2 * dstStride));
        c3.StoreUnsafe(ref d, (nuint)(3 * dstStride));
        c4.StoreUnsafe(ref d, (nuint)(4 * dstStride));
        c5.StoreUnsafe(ref d, (nuint)(5 * dstStride));
        c6.StoreUnsafe(ref d, (nuint)(6 * dstStride));
        c7.StoreUnsafe(ref d, (nuint)(7 * dstStride));
    }

    /// <summary>
    /// Loads the 8x8 block at <paramref name="s"/> (rows <paramref name="srcStride"/> floats apart) and returns its
    /// columns: c_k[r] = s[r * srcStride + k]. The classic unpack / shuffle / lane-permute sequence; needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Load8x8Transposed(ref float s, int srcStride, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2,
        out Vector256<float> c3, out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref s), r1 = Vector256.LoadUnsafe(ref s, (nuint)srcStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref s, (nuint)(2 * srcStride)), r3 = Vector256.LoadUnsafe(ref s, (nuint)(3 * srcStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref s, (nuint)(4 * srcStride)), r5 = Vector256.LoadUnsafe(ref s, (nuint)(5 * srcStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref s, (nuint)(6 * srcStride)), r7 = Vector256.LoadUnsafe(ref s, (nuint)(7 * srcStride));
        Transpose8x8(r0, r1, r2, r3, r4, r5, r6, r7, out c0, out c1, out c2, out c3, out c4, out c5, out c6, out c7);
    }

    /// <summary>The columns of the 8x8 matrix whose rows are <paramref name="r0"/> .. <paramref name="r7"/>: c_k[r] = r_r[k]. Needs AVX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3, Vector256<float> r4,
        Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2,
        out Vector256<float> c3, out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        c0 = Avx.Permute2x128(u0, u4, 0x20);
        c1 = Avx.Permute2x128(u1, u5, 0x20);
        c2 = Avx.Permute2x128(u2, u6, 0x20);
        c3 = Avx.Permute2x128(u3, u7, 0x20);
        c4 = Avx.Permute2x128(u0, u4, 0x31);
        c5 = Avx.Permute2x128(u1, u5, 0x31);
        c6 = Avx.Permute2x128(u2, u6, 0x31);
        c7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
