using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SnnConvert.Kernels;

/// <summary>
/// Average pooling of one sample's spike map (C, H, W) -> (C, Ho, Wo). Spikes are 0 or 1, so the window sums are
/// small integers and exact in any order: the 2x2 stride-2 case adds the two rows as vectors and pairs neighbouring
/// columns with a horizontal add (8 or 4 windows at a time), giving exactly the values of <see cref="AvgPool2dKernel"/>.
/// </summary>
public static class SpikePooling
{
    /// <summary>Pools <paramref name="spikes"/> (values 0 or 1), (C, H, W), into <paramref name="output"/>, (C, Ho, Wo), by
    /// <paramref name="kernel"/> x <paramref name="kernel"/> windows <paramref name="stride"/> apart.</summary>
    public static void Forward(int kernel, int stride, ReadOnlySpan<int> inShape, ReadOnlySpan<int> outShape, ReadOnlySpan<float> spikes, Span<float> output)
    {
        int channels = inShape[0], h = inShape[1], w = inShape[2], ho = outShape[1], wo = outShape[2];
        if (kernel != 2 || stride != 2 || !Avx2.IsSupported)
        {
            AvgPool2dKernel.ForwardPlanes(spikes, channels, h, w, kernel, stride, output, ho, wo);
            return;
        }
        ref float x = ref MemoryMarshal.GetReference(spikes);
        ref float y = ref MemoryMarshal.GetReference(output);
        var quarter = Vector256.Create(0.25f);
        for (int c = 0; c < channels; c++)
            for (int oy = 0; oy < ho; oy++)
            {
                ref float r0 = ref Unsafe.Add(ref x, (c * h + 2 * oy) * w);
                ref float r1 = ref Unsafe.Add(ref r0, w);
                ref float dst = ref Unsafe.Add(ref y, (c * ho + oy) * wo);
                int ox = 0;
                for (; ox + 8 <= wo; ox += 8)
                {
                    // Columns 2ox .. 2ox+15 of both rows; the horizontal add pairs them within 128-bit lanes, the
                    // permute puts the 8 window sums in order.
                    Vector256<float> a = Vector256.LoadUnsafe(ref r0, (nuint)(2 * ox)) + Vector256.LoadUnsafe(ref r1, (nuint)(2 * ox));
                    Vector256<float> b = Vector256.LoadUnsafe(ref r0, (nuint)(2 * ox + 8)) + Vector256.LoadUnsafe(ref r1, (nuint)(2 * ox + 8));
                    Vector256<float> sums = Avx2.Permute4x64(Avx.HorizontalAdd(a, b).AsDouble(), 0b11_01_10_00).AsSingle();
                    (sums * quarter).StoreUnsafe(ref dst, (nuint)ox);
                }
                if (ox + 4 <= wo)
                {
                    // Four windows: the horizontal add leaves sums 0-1 and 2-3 in the low 64 bits of each 128-bit lane.
                    Vector256<float> a = Vector256.LoadUnsafe(ref r0, (nuint)(2 * ox)) + Vector256.LoadUnsafe(ref r1, (nuint)(2 * ox));
                    Vector256<float> sums = Avx2.Permute4x64(Avx.HorizontalAdd(a, a).AsDouble(), 0b11_10_10_00).AsSingle();
                    (sums.GetLower() * quarter.GetLower()).StoreUnsafe(ref dst, (nuint)ox);
                    ox += 4;
                }
                for (; ox < wo; ox++)
                    Unsafe.Add(ref dst, ox) = (Unsafe.Add(ref r0, 2 * ox) + Unsafe.Add(ref r0, 2 * ox + 1) + Unsafe.Add(ref r1, 2 * ox) + Unsafe.Add(ref r1, 2 * ox + 1)) * 0.25f;
            }
    }
}
