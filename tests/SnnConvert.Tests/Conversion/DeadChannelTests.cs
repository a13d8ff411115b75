using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Channels that never receive a positive input during calibration.</summary>
public class DeadChannelTests
{
    [Fact]
    public void Finalizer_gives_dead_groups_the_largest_live_threshold_and_counts_them()
    {
        var (thresholds, dead) = ThresholdFinalizer.Finalize([0.5f, 0f, 2f, -1f, float.NaN, 1.5f, float.NegativeInfinity]);
        Assert.Equal([0.5f, 2f, 2f, 2f, 2f, 1.5f, 2f], thresholds);
        Assert.Equal(4, dead);
        (thresholds, dead) = ThresholdFinalizer.Finalize([0f, -3f]);
        Assert.Equal([1f, 1f], thresholds);   // nothing live: 1, and both reported
        Assert.Equal(2, dead);
        (thresholds, dead) = ThresholdFinalizer.Finalize([0.25f]);
        Assert.Equal([0.25f], thresholds);
        Assert.Equal(0, dead);
    }

    /// <summary>The dyadic template with conv channel 1 of stage 0 and channel 3 of stage 2 made dead (negative weights and bias).</summary>
    private static SpikingNetwork WithDeadChannels()
    {
        SpikingNetwork net = TestNets.DyadicConvTemplate(seed: 14);
        var c0 = (SnnConv2d)net.Layers[0];
        float[] w0 = (float[])c0.Weight.Clone();
        for (int i = 9; i < 18; i++) w0[i] = -Math.Abs(w0[i]) - 0.0625f;   // pixels and the pad value 1/2 are >= 0
        net = net.WithLayer(0, c0 with { Weight = w0, Bias = [0.25f, -0.0625f, 0.125f] });
        var c2 = (SnnConv2d)net.Layers[2];
        float[] w2 = (float[])c2.Weight.Clone();
        for (int i = 81; i < 108; i++) w2[i] = -Math.Abs(w2[i]) - 0.0625f;   // pooled spikes and activations are >= 0
        return net.WithLayer(2, c2 with { Weight = w2, Bias = [0.125f, 0.25f, 0f, -0.125f] });
    }

    public static TheoryData<string> ChannelMethods() => new() { "max-current", "channel-max-activation" };

    [Theory]
    [MemberData(nameof(ChannelMethods))]
    public void Dead_channels_get_the_largest_live_threshold_are_reported_and_stay_silent(string method)
    {
        SpikingNetwork template = WithDeadChannels();
        ImageDataset data = TestNets.Binary(10, 1, 6, 6, 3, seed: 15);
        SpikingNetwork net = ThresholdMethods.Create(method).Balance(template, new CalibrationSettings(data, 8));

        float[] t0 = ((SynapticLayer)net.Layers[0]).Thresholds, t2 = ((SynapticLayer)net.Layers[2]).Thresholds;
        Assert.Equal(t0.Where((_, c) => c != 1).Max(), t0[1]);
        Assert.Equal(t2.Where((_, c) => c != 3).Max(), t2[3]);
        Assert.All(t0.Concat(t2), t => Assert.True(t > 0));
        var layers = net.Conversion.LayerRecords;
        Assert.Equal(1, layers[0].DeadChannels);
        Assert.Equal(1, layers[1].DeadChannels);
        Assert.Equal(0, layers[2].DeadChannels);

        // In the simulation the dead channels never fire (their current is never positive), while the others do.
        var run = new SnnReference(net);
        for (int i = 0; i < data.Count; i++)
        {
            run.Start(SnnReference.Image(data, i));
            for (int t = 0; t < 8; t++)
            {
                run.Step();
                Assert.All(run.Membrane(0).Skip(36).Take(36), v => Assert.True(v <= 0));
                Assert.All(run.Membrane(2).Skip(27).Take(9), v => Assert.True(v <= 0));
            }
        }
        SimulationResult result = SnnSimulator.Run(net, data, new SimulationOptions(8));
        Assert.True(result.Layers[0].SpikesAtStep.Sum() > 0);
    }

    [Fact]
    public void A_layer_without_any_positive_current_gets_thresholds_of_one_and_is_reported()
    {
        // Every conv output of stage 0 negative: all three channels dead.
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 14);
        var c0 = (SnnConv2d)template.Layers[0];
        template = template.WithLayer(0, c0 with { Weight = c0.Weight.Select(w => -Math.Abs(w)).ToArray(), Bias = [-0.0625f, -0.0625f, -0.0625f] });
        ImageDataset data = TestNets.Binary(4, 1, 6, 6, 3, seed: 15);
        SpikingNetwork net = MaxCurrentThresholds.AsWritten.Balance(template, new CalibrationSettings(data, 4));
        Assert.Equal([1f, 1f, 1f], ((SynapticLayer)net.Layers[0]).Thresholds);
        Assert.Equal(3, net.Conversion.LayerRecords[0].DeadChannels);
        net.Validate("test", requireThresholds: true);
    }
}
