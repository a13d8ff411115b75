using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

/// <summary>
/// <see cref="FanOut"/> against a brute-force count (<see cref="SnnReference.BruteForceFanOut"/>): a single non-zero
/// element is pushed through pooling and flatten and the synapses of the next weighted layer reading a non-zero value
/// are counted one by one.
/// </summary>
public class FanOutTests
{
    private static void AssertMatchesBruteForce(SpikingNetwork net, int stage)
    {
        float[] fanOut = FanOut.OfInputTo(net.Layers, net.Shapes, stage);
        long[] expected = SnnReference.BruteForceFanOut(net, stage);
        Assert.Equal(expected.Length, fanOut.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i] == fanOut[i], $"stage {stage} element {i}: expected {expected[i]}, got {fanOut[i]}");
    }

    private static float[] W(int n) => Enumerable.Repeat(0.5f, n).ToArray();

    [Fact]
    public void Conv_with_stride_and_padding_counts_the_windows_covering_each_element()
    {
        // 2x7x7 -> conv 2->4 3x3 stride 2 pad 1 -> 4x4x4 -> conv 4->3 3x3 stride 2 pad 1 -> 3x2x2 -> flatten -> linear 12->5.
        var net = TestNets.Network([2, 7, 7], 5,
            new SnnConv2d(2, 4, 3, 2, 1) { Weight = W(72), Spiking = true },
            new SnnConv2d(4, 3, 3, 2, 1) { Weight = W(108), Spiking = true },
            new SnnFlatten(),
            new SnnLinear(12, 5) { Weight = W(60), Spiking = false });
        AssertMatchesBruteForce(net, 0);   // the input map into the first conv
        AssertMatchesBruteForce(net, 1);   // spikes of the first conv into the second
        AssertMatchesBruteForce(net, 2);   // through flatten into the linear layer

        // Hand check of a few: rows of a 7-wide input read by outputs at 2o-1..2o+1, o = 0..3: row 0 by o = 0 only, row 1 by
        // o = 0, 1, row 6 by o = 3 only. Element (c, 1, 1) -> 2 x 2 windows x 4 output channels = 16; (c, 0, 0) -> 4; (c, 6, 1) -> 1 x 2 x 4 = 8.
        float[] input = FanOut.OfInputTo(net.Layers, net.Shapes, 0);
        Assert.Equal(16f, input[1 * 7 + 1]);
        Assert.Equal(4f, input[0]);
        Assert.Equal(8f, input[49 + 6 * 7 + 1]);
        Assert.All(FanOut.OfInputTo(net.Layers, net.Shapes, 2), f => Assert.Equal(5f, f));
    }

    [Fact]
    public void Overlapping_average_pooling_then_flatten_into_a_linear_layer()
    {
        // 1x6x6 -> conv 1->2 3x3 pad 1 -> 2x6x6 -> avgpool 3 stride 2 -> 2x2x2 (windows at 0..2 and 2..4; index 5 is in none)
        // -> flatten -> linear 8->3 (hidden) -> linear 3->2.
        var net = TestNets.Network([1, 6, 6], 2,
            new SnnConv2d(1, 2, 3, 1, 1) { Weight = W(18), Spiking = true },
            new SnnAvgPool2d(3, 2),
            new SnnFlatten(),
            new SnnLinear(8, 3) { Weight = W(24), Spiking = true },
            new SnnLinear(3, 2) { Weight = W(6), Spiking = false });
        AssertMatchesBruteForce(net, 0);
        AssertMatchesBruteForce(net, 1);
        AssertMatchesBruteForce(net, 4);
        float[] conv = FanOut.OfInputTo(net.Layers, net.Shapes, 1);
        Assert.Equal(3f, conv[0]);              // (0, 0, 0): one window x 3 outputs
        Assert.Equal(12f, conv[2 * 6 + 2]);     // (0, 2, 2): rows and columns each in two windows
        Assert.Equal(0f, conv[5 * 6 + 1]);      // row 5 is in no window: its spikes reach nothing
    }

    [Fact]
    public void Pooling_then_a_padded_convolution()
    {
        // 1x6x6 -> conv 1->2 1x1 -> 2x6x6 -> avgpool 2 -> 2x3x3 -> conv 2->3 3x3 pad 1 -> 3x3x3 -> flatten -> linear 27->2.
        var net = TestNets.Network([1, 6, 6], 2,
            new SnnConv2d(1, 2, 1, 1, 0) { Weight = W(2), Spiking = true },
            new SnnAvgPool2d(2, 2),
            new SnnConv2d(2, 3, 3, 1, 1) { Weight = W(54), Spiking = true },
            new SnnFlatten(),
            new SnnLinear(27, 2) { Weight = W(54), Spiking = false });
        AssertMatchesBruteForce(net, 0);
        AssertMatchesBruteForce(net, 1);
        AssertMatchesBruteForce(net, 3);
        // The centre of the 3x3 pooled map is read by all 9 output positions x 3 channels; a corner by 4 x 3.
        float[] spikes = FanOut.OfInputTo(net.Layers, net.Shapes, 1);
        Assert.Equal(27f, spikes[2 * 6 + 2]);
        Assert.Equal(12f, spikes[0]);
    }
}
