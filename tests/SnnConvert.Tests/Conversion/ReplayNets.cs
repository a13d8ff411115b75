using SnnConvert.Snn;
using SnnConvert.Tests.Snn;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// Small random networks for the replay tests: conv 2->4 3x3 +bias, a pooling (average or max-pool gate), conv 4->6
/// 3x3 +bias, optionally conv 6->6 3x3 +bias, flatten, linear 96->8 +bias (hidden), linear 8->3 +bias (output), on
/// 2x8x8 images; weights drawn uniformly (not dyadic: sums round differently in another order), no thresholds yet.
/// </summary>
internal static class ReplayNets
{
    public static SpikingNetwork Template(int seed, bool gate, Readout readout, bool thirdConv = false)
    {
        var rng = new Random(seed);
        float[] Draw(int count, double scale) => Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] Bias(int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 0.2)).ToArray();
        var layers = new List<SnnLayer>
        {
            new SnnConv2d(2, 4, 3, 1, 1) { Weight = Draw(72, 0.5), Bias = Bias(4), Spiking = true },
            gate ? new SnnGatedMaxPool2d(2, 2) : new SnnAvgPool2d(2, 2),
            new SnnConv2d(4, 6, 3, 1, 1) { Weight = Draw(216, 0.4), Bias = Bias(6), Spiking = true },
        };
        if (thirdConv) layers.Add(new SnnConv2d(6, 6, 3, 1, 1) { Weight = Draw(324, 0.4), Bias = Bias(6), Spiking = true });
        layers.Add(new SnnFlatten());
        layers.Add(new SnnLinear(96, 8) { Weight = Draw(768, 0.3), Bias = Bias(8), Spiking = true });
        layers.Add(new SnnLinear(8, 3) { Weight = Draw(24, 0.6), Bias = Bias(3), Spiking = false });
        return TestNets.Network([2, 8, 8], 3, [.. layers]) with { Readout = readout };
    }
}
