using System.Numerics;
using System.Runtime.CompilerServices;

namespace SnnConvert.Kernels;

/// <summary>
/// The transforms of F(4x4, 3x3) (interpolation points 0, 1, -1, 2, -2): 6x6 windows, 36 transformed positions,
/// B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1],
/// G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1],
/// A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
/// </summary>
internal readonly struct WinogradF4Transform : IWinogradTransform
{
    /// <inheritdoc/>
    public static int TileSize => 4;

    /// <summary>
    /// Row <paramref name="row"/> of every U[xi] (36, rows, cols) = G g G^T: rows are input channels and columns output
    /// channels, or with <paramref name="flip"/> the reverse with each kernel rotated by 180 degrees. The row's kernels
    /// are first gathered tap by tap so that the transform runs on vectors of columns.
    /// </summary>
    public static void TransformWeightRow(float[] weight, int cout, int c, bool flip, int row, float[] u)
    {
        int cols = flip ? c : cout, rows = flip ? cout : c, step = rows * cols;
        int padded = (cols + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;
        float[] rented = System.Buffers.ArrayPool<float>.Shared.Rent(9 * padded + 36 * padded);
        Span<float> k = rented.AsSpan(0, 9 * padded), gu = rented.AsSpan(9 * padded, 36 * padded);
        k.Clear();
        for (int col = 0; col < cols; col++)
        {
            int co = flip ? row : col, ci = flip ? col : row;
            ReadOnlySpan<float> kernel = weight.AsSpan((co * c + ci) * 9, 9);
            for (int tap = 0; tap < 9; tap++) k[tap * padded + col] = flip ? kernel[8 - tap] : kernel[tap];
        }
        // gu[xi][col], on vectors of columns (the padding columns are computed and dropped).
        Span<Vector<float>> gg = stackalloc Vector<float>[18];   // G g, 6x3
        Span<Vector<float>> full = stackalloc Vector<float>[36];
        for (int x = 0; x < padded; x += Vector<float>.Count)
        {
            for (int j = 0; j < 3; j++)
                TransformKernelColumn(new Vector<float>(k.Slice(j * padded + x)), new Vector<float>(k.Slice((3 + j) * padded + x)),
                    new Vector<float>(k.Slice((6 + j) * padded + x)), gg, j, 3);
            for (int i = 0; i < 6; i++) TransformKernelColumn(gg[3 * i], gg[3 * i + 1], gg[3 * i + 2], full, 6 * i, 1);
            for (int xi = 0; xi < 36; xi++) full[xi].CopyTo(gu.Slice(xi * padded + x));
        }
        for (int xi = 0; xi < 36; xi++) gu.Slice(xi * padded, cols).CopyTo(u.AsSpan(xi * step + row * cols, cols));
        System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }

    // G (g0 g1 g2)^T into dst[at + i * stride].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformKernelColumn(Vector<float> g0, Vector<float> g1, Vector<float> g2, Span<Vector<float>> dst, int at, int stride)
    {
        Vector<float> sixth = new(1f / 6), twelfth = new(1f / 12), twentyFourth = new(1f / 24);
        Vector<float> outer = g0 + g2, outerSmall = g0 * twentyFourth + g2 * sixth, mid = g1 * twelfth;
        dst[at] = g0 * new Vector<float>(0.25f);
        dst[at + stride] = -(outer + g1) * sixth;
        dst[at + 2 * stride] = -(outer - g1) * sixth;
        dst[at + 3 * stride] = outerSmall + mid;
        dst[at + 4 * stride] = outerSmall - mid;
        dst[at + 5 * stride] = g2;
    }

    /// <inheritdoc/>
    /// <remarks>Each of the 6 window columns along the rows first (into scratch), then each row of scratch along the columns.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InputTile(ref float src, nuint at, nuint rowStep, nuint colStep, ref float dst, nuint o, nuint step, ref Vector<float> scratch)
    {
        ref Vector<float> tmp = ref scratch;   // 6x6, unchecked: the indices are constants
        for (int j = 0; j < 6; j++)
        {
            nuint a = at + (nuint)j * colStep;
            BT(Vector.LoadUnsafe(ref src, a), Vector.LoadUnsafe(ref src, a + rowStep), Vector.LoadUnsafe(ref src, a + 2 * rowStep),
                Vector.LoadUnsafe(ref src, a + 3 * rowStep), Vector.LoadUnsafe(ref src, a + 4 * rowStep), Vector.LoadUnsafe(ref src, a + 5 * rowStep),
                out Unsafe.Add(ref tmp, j), out Unsafe.Add(ref tmp, 6 + j), out Unsafe.Add(ref tmp, 12 + j),
                out Unsafe.Add(ref tmp, 18 + j), out Unsafe.Add(ref tmp, 24 + j), out Unsafe.Add(ref tmp, 30 + j));
        }
        for (int i = 0; i < 6; i++)
        {
            ref Vector<float> r = ref Unsafe.Add(ref tmp, 6 * i);
            BT(r, Unsafe.Add(ref r, 1), Unsafe.Add(ref r, 2), Unsafe.Add(ref r, 3), Unsafe.Add(ref r, 4), Unsafe.Add(ref r, 5),
                out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3, out Vector<float> r4, out Vector<float> r5);
            Store6(ref dst, o + (nuint)(6 * i) * step, step, r0, r1, r2, r3, r4, r5);
        }
    }

    /// <summary>dst[q + i * step] = r_i for i = 0..5: one row of six transformed positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store6(ref float dst, nuint q, nuint step, Vector<float> r0, Vector<float> r1, Vector<float> r2, Vector<float> r3,
        Vector<float> r4, Vector<float> r5)
    {
        r0.StoreUnsafe(ref dst, q);
        r1.StoreUnsafe(ref dst, q + step);
        r2.StoreUnsafe(ref dst, q + 2 * step);
        r3.StoreUnsafe(ref dst, q + 3 * step);
        r4.StoreUnsafe(ref dst, q + 4 * step);
        r5.StoreUnsafe(ref dst, q + 5 * step);
    }

    // (x0 .. x5) times B^T's rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT(Vector<float> x0, Vector<float> x1, Vector<float> x2, Vector<float> x3, Vector<float> x4, Vector<float> x5,
        out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3, out Vector<float> r4, out Vector<float> r5)
    {
        Vector<float> four = new(4f), minusFour = new(-4f), minusFive = new(-5f);
        Vector<float> a = Vector.FusedMultiplyAdd(minusFour, x2, x4), b = Vector.FusedMultiplyAdd(minusFour, x1, x3), d = x4 - x2, e = x3 - x1;
        e += e;
        r0 = Vector.FusedMultiplyAdd(four, x0, Vector.FusedMultiplyAdd(minusFive, x2, x4));
        r1 = a + b;
        r2 = a - b;
        r3 = d + e;
        r4 = d - e;
        r5 = Vector.FusedMultiplyAdd(four, x1, Vector.FusedMultiplyAdd(minusFive, x3, x5));
    }

    /// <inheritdoc/>
    /// <remarks>Each of the 6 columns of M along the rows first (into scratch, 4x6), then each row of scratch along the columns.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputTile(ref float src, nuint at, nuint step, Vector<float> bias, ref float dst, nuint o, nuint next, nuint down,
        ref Vector<float> scratch)
    {
        ref Vector<float> tmp = ref scratch;   // 4x6, unchecked: the indices are constants
        for (int j = 0; j < 6; j++)
        {
            nuint a = at + (nuint)j * step;
            AT(Vector.LoadUnsafe(ref src, a), Vector.LoadUnsafe(ref src, a + 6 * step), Vector.LoadUnsafe(ref src, a + 12 * step),
                Vector.LoadUnsafe(ref src, a + 18 * step), Vector.LoadUnsafe(ref src, a + 24 * step), Vector.LoadUnsafe(ref src, a + 30 * step),
                out Unsafe.Add(ref tmp, j), out Unsafe.Add(ref tmp, 6 + j), out Unsafe.Add(ref tmp, 12 + j), out Unsafe.Add(ref tmp, 18 + j));
        }
        for (int i = 0; i < 4; i++)
        {
            ref Vector<float> r = ref Unsafe.Add(ref tmp, 6 * i);
            AT(r, Unsafe.Add(ref r, 1), Unsafe.Add(ref r, 2), Unsafe.Add(ref r, 3), Unsafe.Add(ref r, 4), Unsafe.Add(ref r, 5),
                out Vector<float> y0, out Vector<float> y1, out Vector<float> y2, out Vector<float> y3);
            nuint q = o + (nuint)i * down;
            (y0 + bias).StoreUnsafe(ref dst, q);
            (y1 + bias).StoreUnsafe(ref dst, q + next);
            (y2 + bias).StoreUnsafe(ref dst, q + 2 * next);
            (y3 + bias).StoreUnsafe(ref dst, q + 3 * next);
        }
    }

    // (m0 .. m5) times A^T's rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT(Vector<float> m0, Vector<float> m1, Vector<float> m2, Vector<float> m3, Vector<float> m4, Vector<float> m5,
        out Vector<float> y0, out Vector<float> y1, out Vector<float> y2, out Vector<float> y3)
    {
        Vector<float> p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
        y0 = m0 + p12 + p34;
        y1 = Vector.FusedMultiplyAdd(new Vector<float>(2f), d34, d12);
        y2 = Vector.FusedMultiplyAdd(new Vector<float>(4f), p34, p12);
        y3 = Vector.FusedMultiplyAdd(new Vector<float>(8f), d34, d12 + m5);
    }
}
