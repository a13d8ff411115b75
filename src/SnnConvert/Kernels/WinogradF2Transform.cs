using System.Numerics;
using System.Runtime.CompilerServices;

namespace SnnConvert.Kernels;

/// <summary>
/// The transforms of F(2x2, 3x3): 4x4 windows, 16 transformed positions,
/// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1].
/// </summary>
internal readonly struct WinogradF2Transform : IWinogradTransform
{
    /// <inheritdoc/>
    public static int TileSize => 2;

    /// <summary>U (16, C, Cout) = G g G^T for each (input channel, output channel) of <paramref name="weight"/> (Cout, C, 3, 3).</summary>
    public static void TransformWeights(ReadOnlySpan<float> weight, int cout, int c, Span<float> u)
    {
        Span<float> gg = stackalloc float[12];
        for (int co = 0; co < cout; co++)
            for (int ci = 0; ci < c; ci++)
            {
                ReadOnlySpan<float> g = weight.Slice((co * c + ci) * 9, 9);
                // gg (4x3) = G g.
                for (int j = 0; j < 3; j++)
                {
                    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    gg[j] = g0;
                    gg[3 + j] = 0.5f * (g0 + g1 + g2);
                    gg[6 + j] = 0.5f * (g0 - g1 + g2);
                    gg[9 + j] = g2;
                }
                for (int i = 0; i < 4; i++)
                {
                    float a0 = gg[3 * i], a1 = gg[3 * i + 1], a2 = gg[3 * i + 2];
                    // (G g) G^T, row i.
                    Span<float> t = [a0, 0.5f * (a0 + a1 + a2), 0.5f * (a0 - a1 + a2), a2];
                    for (int j = 0; j < 4; j++) u[((i * 4 + j) * c + ci) * cout + co] = t[j];
                }
            }
    }

    /// <inheritdoc/>
    /// <remarks>Each of the 4 rows of d times B (along the columns) first, then B^T along the rows: xi = 4 i + j.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InputTile(ref float src, nuint at, nuint rowStep, nuint colStep, ref float dst, nuint o, nuint step, ref Vector<float> scratch)
    {
        Row(ref src, at, colStep, out Vector<float> a0, out Vector<float> a1, out Vector<float> a2, out Vector<float> a3);
        Row(ref src, at + rowStep, colStep, out Vector<float> b0, out Vector<float> b1, out Vector<float> b2, out Vector<float> b3);
        Row(ref src, at + 2 * rowStep, colStep, out Vector<float> c0, out Vector<float> c1, out Vector<float> c2, out Vector<float> c3);
        Row(ref src, at + 3 * rowStep, colStep, out Vector<float> d0, out Vector<float> d1, out Vector<float> d2, out Vector<float> d3);
        (a0 - c0).StoreUnsafe(ref dst, o);
        (a1 - c1).StoreUnsafe(ref dst, o + step);
        (a2 - c2).StoreUnsafe(ref dst, o + 2 * step);
        (a3 - c3).StoreUnsafe(ref dst, o + 3 * step);
        (b0 + c0).StoreUnsafe(ref dst, o + 4 * step);
        (b1 + c1).StoreUnsafe(ref dst, o + 5 * step);
        (b2 + c2).StoreUnsafe(ref dst, o + 6 * step);
        (b3 + c3).StoreUnsafe(ref dst, o + 7 * step);
        (c0 - b0).StoreUnsafe(ref dst, o + 8 * step);
        (c1 - b1).StoreUnsafe(ref dst, o + 9 * step);
        (c2 - b2).StoreUnsafe(ref dst, o + 10 * step);
        (c3 - b3).StoreUnsafe(ref dst, o + 11 * step);
        (b0 - d0).StoreUnsafe(ref dst, o + 12 * step);
        (b1 - d1).StoreUnsafe(ref dst, o + 13 * step);
        (b2 - d2).StoreUnsafe(ref dst, o + 14 * step);
        (b3 - d3).StoreUnsafe(ref dst, o + 15 * step);
    }

    // One row (x0 x1 x2 x3) of a window times B: (x0 - x2, x1 + x2, x2 - x1, x1 - x3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(ref float src, nuint at, nuint colStep, out Vector<float> r0, out Vector<float> r1, out Vector<float> r2, out Vector<float> r3)
    {
        Vector<float> x0 = Vector.LoadUnsafe(ref src, at), x1 = Vector.LoadUnsafe(ref src, at + colStep);
        Vector<float> x2 = Vector.LoadUnsafe(ref src, at + 2 * colStep), x3 = Vector.LoadUnsafe(ref src, at + 3 * colStep);
        r0 = x0 - x2; r1 = x1 + x2; r2 = x2 - x1; r3 = x1 - x3;
    }

    /// <inheritdoc/>
    /// <remarks>Each column of M times A^T first, then the rows.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputTile(ref float src, nuint at, nuint step, Vector<float> bias, ref float dst, nuint o, nuint next, nuint down,
        ref Vector<float> scratch)
    {
        Column(ref src, at, 4 * step, out Vector<float> s0, out Vector<float> t0);
        Column(ref src, at + step, 4 * step, out Vector<float> s1, out Vector<float> t1);
        Column(ref src, at + 2 * step, 4 * step, out Vector<float> s2, out Vector<float> t2);
        Column(ref src, at + 3 * step, 4 * step, out Vector<float> s3, out Vector<float> t3);
        (s0 + s1 + s2 + bias).StoreUnsafe(ref dst, o);
        (s1 - s2 - s3 + bias).StoreUnsafe(ref dst, o + next);
        (t0 + t1 + t2 + bias).StoreUnsafe(ref dst, o + down);
        (t1 - t2 - t3 + bias).StoreUnsafe(ref dst, o + down + next);
    }

    // Column j of M (entries xi = j, 4 + j, 8 + j, 12 + j) times A^T: (m0 + m1 + m2, m1 - m2 - m3).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(ref float src, nuint at, nuint rowStep, out Vector<float> top, out Vector<float> bottom)
    {
        Vector<float> m0 = Vector.LoadUnsafe(ref src, at), m1 = Vector.LoadUnsafe(ref src, at + rowStep);
        Vector<float> m2 = Vector.LoadUnsafe(ref src, at + 2 * rowStep), m3 = Vector.LoadUnsafe(ref src, at + 3 * rowStep);
        top = m0 + m1 + m2;
        bottom = m1 - m2 - m3;
    }
}
