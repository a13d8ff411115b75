namespace SnnConvert.Kernels;

/// <summary>Average pooling of planes, shared by the CNN's pooling layer, calibration and the spiking engine.</summary>
public static class AvgPool2dKernel
{
    /// <summary>One plane: x (H, W) -> y (Ho, Wo), each output the mean of its <paramref name="k"/> x <paramref name="k"/> window, windows <paramref name="s"/> apart.</summary>
    public static void Forward(ReadOnlySpan<float> x, int h, int w, int k, int s, Span<float> y, int ho, int wo)
    {
        float scale = 1f / (k * k);
        if (k == 2 && s == 2)
        {
            // The zoo's pooling: four loads per output, no inner window loops.
            for (int oh = 0; oh < ho; oh++)
            {
                ReadOnlySpan<float> r0 = x.Slice(2 * oh * w, w), r1 = x.Slice((2 * oh + 1) * w, w);
                Span<float> yr = y.Slice(oh * wo, wo);
                for (int ow = 0; ow < yr.Length; ow++)
                    yr[ow] = (r0[2 * ow] + r0[2 * ow + 1] + r1[2 * ow] + r1[2 * ow + 1]) * scale;
            }
            return;
        }
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++)
            {
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    ReadOnlySpan<float> row = x.Slice((oh * s + i) * w + ow * s, k);
                    for (int j = 0; j < k; j++) sum += row[j];
                }
                y[oh * wo + ow] = sum * scale;
            }
    }

    /// <summary>
    /// <paramref name="planes"/> planes one after the other: x (planes, H, W) -> y (planes, Ho, Wo), each by
    /// <see cref="Forward"/>. Parallel callers give each worker its own range of planes.
    /// </summary>
    public static void ForwardPlanes(ReadOnlySpan<float> x, int planes, int h, int w, int k, int s, Span<float> y, int ho, int wo)
    {
        for (int p = 0; p < planes; p++)
            Forward(x.Slice(p * h * w, h * w), h, w, k, s, y.Slice(p * ho * wo, ho * wo), ho, wo);
    }
}
