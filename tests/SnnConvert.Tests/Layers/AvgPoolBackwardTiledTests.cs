using SnnConvert.Layers;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary><see cref="AvgPool2dLayer.BackwardTiled"/> (vectorised for 2x2 windows) against its definition, element by element.</summary>
public sealed class AvgPoolBackwardTiledTests
{
    [Theory]
    [InlineData(2, 3, 9)]    // two vectors of four and a scalar tail per row
    [InlineData(2, 1, 3)]    // scalar only
    [InlineData(3, 2, 5)]
    public void Spreads_each_gradient_over_its_window(int k, int ho, int wo)
    {
        var rng = new Random(2);
        int w = wo * k + 1;   // a column no window covers: left alone
        float[] dy = Enumerable.Range(0, ho * wo).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        float[] dx = Enumerable.Repeat(7f, ho * k * w).ToArray();
        AvgPool2dLayer.BackwardTiled(dy, w, ho, wo, k, dx);
        for (int r = 0; r < ho * k; r++)
            for (int q = 0; q < w; q++)
                Assert.Equal(q < wo * k ? dy[r / k * wo + q / k] * (1f / (k * k)) : 7f, dx[r * w + q]);
    }
}
