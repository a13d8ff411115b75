using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SnnConvert.Kernels;

/// <summary>
/// Unfolds one image into the column matrix of a convolution and folds gradients back.
/// cols has shape (C*K*K, Ho*Wo): row (c, ki, kj), column (oh, ow) holds x[c, oh*s-p+ki, ow*s-p+kj] (0 outside).
/// Several images can share one column matrix side by side (image j in columns [j*Ho*Wo, (j+1)*Ho*Wo) of rows of
/// length <c>rowStride</c>), so that one GEMM covers them all.
/// Each output row is split into the columns left of the image, the columns inside it (a block copy when the
/// stride is 1) and the columns right of it, so padding costs no per-element bounds test.
/// </summary>
public static class Im2Col
{
    /// <summary>image (C, H, W) -> cols (C*K*K, Ho*Wo); positions outside the image read 0.</summary>
    public static void Unfold(ReadOnlySpan<float> image, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> cols) =>
        Unfold(image, c, h, w, k, stride, pad, ho, wo, cols, []);

    /// <summary>
    /// image (C, H, W) -> cols (C*K*K, Ho*Wo); positions outside the image read <paramref name="padValues"/>[c]
    /// (0 when empty). A non-zero pad value keeps a folded input normalisation exact at the borders.
    /// </summary>
    public static void Unfold(ReadOnlySpan<float> image, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> cols,
        ReadOnlySpan<float> padValues) =>
        Unfold(image, c, h, w, k, stride, pad, ho, wo, cols, ho * wo, padValues);

    /// <summary>
    /// image (C, H, W) -> the first Ho*Wo columns of cols (C*K*K rows of <paramref name="rowStride"/> floats); positions
    /// outside the image read <paramref name="padValues"/>[c] (0 when empty).
    /// </summary>
    public static void Unfold(ReadOnlySpan<float> image, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> cols,
        int rowStride, ReadOnlySpan<float> padValues)
    {
        int hw = ho * wo;
        for (int ch = 0; ch < c; ch++)
        {
            float fill = padValues.IsEmpty ? 0f : padValues[ch];
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                {
                    Span<float> row = cols.Slice(((ch * k + ki) * k + kj) * rowStride, hw);
                    (int first, int last) = InsideColumns(w, kj, stride, pad, wo);
                    for (int oh = 0; oh < ho; oh++)
                    {
                        int ih = oh * stride - pad + ki;
                        Span<float> dst = row.Slice(oh * wo, wo);
                        if ((uint)ih >= (uint)h) { dst.Fill(fill); continue; }
                        ReadOnlySpan<float> src = image.Slice((ch * h + ih) * w, w);
                        for (int t = 0; t < first; t++) dst[t] = fill;      // the padding: 0 to K/2 columns
                        for (int t = last; t < wo; t++) dst[t] = fill;
                        if (stride == 1)
                            Copy(src.Slice(first - pad + kj, last - first), dst.Slice(first, last - first));
                        else
                            for (int ow = first; ow < last; ow++) dst[ow] = src[ow * stride - pad + kj];
                    }
                }
        }
    }

    /// <summary>cols (C*K*K, Ho*Wo) -> image gradient (C, H, W), overwriting <paramref name="image"/>.</summary>
    public static void Fold(ReadOnlySpan<float> cols, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> image) =>
        Fold(cols, ho * wo, c, h, w, k, stride, pad, ho, wo, image);

    /// <summary>
    /// The first Ho*Wo columns of cols (C*K*K rows of <paramref name="rowStride"/> floats) -> image gradient (C, H, W),
    /// overwriting <paramref name="image"/>.
    /// </summary>
    public static void Fold(ReadOnlySpan<float> cols, int rowStride, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> image)
    {
        image.Slice(0, c * h * w).Clear();
        int hw = ho * wo;
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                {
                    ReadOnlySpan<float> row = cols.Slice(((ch * k + ki) * k + kj) * rowStride, hw);
                    (int first, int last) = InsideColumns(w, kj, stride, pad, wo);
                    if (last <= first) continue;
                    for (int oh = 0; oh < ho; oh++)
                    {
                        int ih = oh * stride - pad + ki;
                        if ((uint)ih >= (uint)h) continue;
                        Span<float> dst = image.Slice((ch * h + ih) * w, w);
                        ReadOnlySpan<float> src = row.Slice(oh * wo, wo);
                        if (stride == 1)
                            AddTo(src.Slice(first, last - first), dst.Slice(first - pad + kj, last - first));
                        else
                            for (int ow = first; ow < last; ow++) dst[ow * stride - pad + kj] += src[ow];
                    }
                }
    }

    // dst = src for the short rows of small feature maps (8 to 32 floats), where a library call per row costs more
    // than the copy itself. dst.Length >= src.Length (checked by the slicing of the callers).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ReadOnlySpan<float> src, Span<float> dst)
    {
        ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length, i = 0;
        for (; i + 8 <= n; i += 8) Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
        if (i + 4 <= n) { Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i); i += 4; }
        for (; i < n; i++) Unsafe.Add(ref d, i) = Unsafe.Add(ref s, i);
    }

    // dst += src element-wise (the same sums as TensorPrimitives.Add), inlined for short rows. dst.Length >= src.Length.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ReadOnlySpan<float> src, Span<float> dst)
    {
        ref float s = ref MemoryMarshal.GetReference(src), d = ref MemoryMarshal.GetReference(dst);
        int n = src.Length, i = 0;
        for (; i + 8 <= n; i += 8)
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, (nuint)i) + Vector256.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
        if (i + 4 <= n)
        {
            Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref d, (nuint)i) + Vector128.LoadUnsafe(ref s, (nuint)i), ref d, (nuint)i);
            i += 4;
        }
        for (; i < n; i++) Unsafe.Add(ref d, i) += Unsafe.Add(ref s, i);
    }

    // The output columns [first, last) whose input column ow*stride - pad + kj lies inside [0, w); first <= last.
    private static (int First, int Last) InsideColumns(int w, int kj, int stride, int pad, int wo)
    {
        int lead = pad - kj;   // input column = ow*stride - lead
        int first = lead <= 0 ? 0 : (lead + stride - 1) / stride;
        int span = w - 1 + lead;   // ow*stride <= span
        int last = span < 0 ? 0 : Math.Min(wo, span / stride + 1);
        first = Math.Min(first, wo);
        return (first, Math.Max(first, last));
    }
}
