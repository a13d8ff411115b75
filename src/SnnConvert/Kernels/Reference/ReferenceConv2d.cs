namespace SnnConvert.Kernels.Reference;

/// <summary>
/// Direct convolution in plain loops, the readable definition the fast convolutions are tested against. Each output
/// sums its products in (input channel, kernel row, kernel column) order from 0, then adds the bias: the order in which
/// <see cref="EventDrivenConv2d"/> adds its events, so the two agree bit for bit (skipping a zero input adds nothing).
/// </summary>
public static class ReferenceConv2d
{
    /// <summary>One image: x (C, H, W) -> y (Cout, Ho, Wo), zero padding.</summary>
    /// <param name="x">The input map.</param>
    /// <param name="weight">Weights (Cout, C, K, K).</param>
    /// <param name="bias">Bias (Cout), or null.</param>
    /// <param name="g">The convolution's sizes.</param>
    /// <param name="y">The output, overwritten.</param>
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Conv2dGeometry g, Span<float> y)
    {
        for (int co = 0; co < g.Cout; co++)
            for (int oy = 0; oy < g.Ho; oy++)
                for (int ox = 0; ox < g.Wo; ox++)
                {
                    float sum = 0f;
                    for (int c = 0; c < g.C; c++)
                        for (int ky = 0; ky < g.K; ky++)
                            for (int kx = 0; kx < g.K; kx++)
                            {
                                int iy = oy * g.Stride - g.Pad + ky, ix = ox * g.Stride - g.Pad + kx;
                                if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                                sum += x[(c * g.H + iy) * g.W + ix] * weight[((co * g.C + c) * g.K + ky) * g.K + kx];
                            }
                    y[(co * g.Ho + oy) * g.Wo + ox] = bias.IsEmpty ? sum : sum + bias[co];
                }
    }
}
