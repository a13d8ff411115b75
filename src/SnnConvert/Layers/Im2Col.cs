namespace SnnConvert.Layers;

/// <summary>
/// Unfolds one image into the column matrix of a convolution and folds gradients back.
/// cols has shape (C*K*K, Ho*Wo): row (c, ki, kj), column (oh, ow) holds x[c, oh*s-p+ki, ow*s-p+kj] (0 outside).
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
        ReadOnlySpan<float> padValues)
    {
        int hw = ho * wo;
        for (int ch = 0; ch < c; ch++)
        {
            float fill = padValues.IsEmpty ? 0f : padValues[ch];
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                {
                    Span<float> row = cols.Slice(((ch * k + ki) * k + kj) * hw, hw);
                    for (int oh = 0; oh < ho; oh++)
                    {
                        int ih = oh * stride - pad + ki;
                        Span<float> dst = row.Slice(oh * wo, wo);
                        if ((uint)ih >= (uint)h) { dst.Fill(fill); continue; }
                        ReadOnlySpan<float> src = image.Slice((ch * h + ih) * w, w);
                        if (stride == 1 && pad == 0)
                        {
                            src.Slice(kj, wo).CopyTo(dst);
                            continue;
                        }
                        for (int ow = 0; ow < wo; ow++)
                        {
                            int iw = ow * stride - pad + kj;
                            dst[ow] = (uint)iw < (uint)w ? src[iw] : fill;
                        }
                    }
                }
        }
    }

    /// <summary>cols (C*K*K, Ho*Wo) -> image gradient (C, H, W), overwriting <paramref name="image"/>.</summary>
    public static void Fold(ReadOnlySpan<float> cols, int c, int h, int w, int k, int stride, int pad, int ho, int wo, Span<float> image)
    {
        image.Slice(0, c * h * w).Clear();
        int hw = ho * wo;
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                {
                    ReadOnlySpan<float> row = cols.Slice(((ch * k + ki) * k + kj) * hw, hw);
                    for (int oh = 0; oh < ho; oh++)
                    {
                        int ih = oh * stride - pad + ki;
                        if ((uint)ih >= (uint)h) continue;
                        Span<float> dst = image.Slice((ch * h + ih) * w, w);
                        ReadOnlySpan<float> src = row.Slice(oh * wo, wo);
                        for (int ow = 0; ow < wo; ow++)
                        {
                            int iw = ow * stride - pad + kj;
                            if ((uint)iw < (uint)w) dst[iw] += src[ow];
                        }
                    }
                }
    }
}
