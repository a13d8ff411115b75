namespace SnnConvert.Kernels.Reference;

/// <summary>
/// Average pooling in plain loops: each window summed row by row from 0, times 1 / K^2 (the order of
/// <see cref="AvgPool2dKernel"/>; spike maps hold small integers, exact in any order, as <see cref="SpikePooling"/> uses).
/// </summary>
public static class ReferenceAvgPool2d
{
    /// <summary>A map of planes: x (C, H, W) -> y (C, Ho, Wo), K x K windows <paramref name="stride"/> apart.</summary>
    public static void Forward(ReadOnlySpan<float> x, int channels, int h, int w, int kernel, int stride, Span<float> y, int ho, int wo)
    {
        float scale = 1f / (kernel * kernel);
        for (int c = 0; c < channels; c++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    float sum = 0f;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            sum += x[(c * h + oy * stride + ky) * w + ox * stride + kx];
                    y[(c * ho + oy) * wo + ox] = sum * scale;
                }
    }
}
