using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SnnConvert.Kernels;

/// <summary>
/// The selected lanes of a 256-bit vector moved to its front, in lane order: AVX2's stand-in for AVX-512's compress,
/// a permute looked up from the 8-bit mask (a 256-entry table of permutations, 8 KB).
/// </summary>
internal static class LeftPack
{
    private static readonly Vector256<int>[] Permutations = Build();

    private static Vector256<int>[] Build()
    {
        var table = new Vector256<int>[256];
        Span<int> order = stackalloc int[8];
        for (int mask = 0; mask < 256; mask++)
        {
            order.Clear();
            for (int lane = 0, n = 0; lane < 8; lane++)
                if ((mask >> lane & 1) != 0) order[n++] = lane;
            table[mask] = Vector256.Create((ReadOnlySpan<int>)order);
        }
        return table;
    }

    /// <summary>The permutation that moves the lanes set in <paramref name="mask"/> (bit k: lane k) to the front.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Of(uint mask) => Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Permutations), (int)(mask & 0xFF));

    /// <summary>
    /// Stores the lanes of <paramref name="value"/> set in <paramref name="mask"/> at <paramref name="destination"/>,
    /// in lane order, and returns how many; writes a whole vector (the lanes after them are not meaningful). Needs AVX2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Store(Vector256<int> value, uint mask, ref int destination)
    {
        Avx2.PermuteVar8x32(value, Of(mask)).StoreUnsafe(ref destination);
        return BitOperations.PopCount(mask & 0xFF);
    }
}
