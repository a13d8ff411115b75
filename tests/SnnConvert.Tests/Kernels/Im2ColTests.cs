using SnnConvert.Layers;
using Xunit;
using SnnConvert.Kernels;
using SnnConvert.Tests.Layers;

namespace SnnConvert.Tests.Kernels;

/// <summary>Im2Col's split rows (left padding, inside block, right padding) against per-element index arithmetic.</summary>
public sealed class Im2ColTests
{
    [Theory]
    [InlineData(2, 5, 6, 3, 1, 1)]
    [InlineData(1, 4, 4, 5, 1, 2)]    // padding wider than half the kernel: rows that are padding only
    [InlineData(3, 7, 6, 3, 2, 1)]
    [InlineData(2, 6, 5, 2, 3, 0)]
    [InlineData(1, 3, 3, 3, 2, 3)]    // padding as wide as the kernel: whole rows and columns outside the image
    public void Unfold_and_fold_match_index_arithmetic(int c, int h, int w, int k, int stride, int pad)
    {
        int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1, hw = ho * wo;
        var rng = new Random(7);
        float[] image = GradientCheck.RandomTensor(rng, [c, h, w]).Data;
        float[] padValues = Enumerable.Range(0, c).Select(i => -1f - i).ToArray();
        var cols = new float[c * k * k * hw];
        Im2Col.Unfold(image, c, h, w, k, stride, pad, ho, wo, cols, padValues);
        var folded = new double[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int ki = 0; ki < k; ki++)
                for (int kj = 0; kj < k; kj++)
                    for (int oh = 0; oh < ho; oh++)
                        for (int ow = 0; ow < wo; ow++)
                        {
                            int i = oh * stride - pad + ki, j = ow * stride - pad + kj;
                            bool inside = i >= 0 && j >= 0 && i < h && j < w;
                            int col = ((ch * k + ki) * k + kj) * hw + oh * wo + ow;
                            Assert.Equal(inside ? image[(ch * h + i) * w + j] : padValues[ch], cols[col]);
                            if (inside) folded[(ch * h + i) * w + j] += cols[col];
                        }
        var dx = new float[c * h * w];
        dx.AsSpan().Fill(float.NaN);   // Fold overwrites
        Im2Col.Fold(cols, c, h, w, k, stride, pad, ho, wo, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(folded[i], dx[i], 1e-5);
    }
}
