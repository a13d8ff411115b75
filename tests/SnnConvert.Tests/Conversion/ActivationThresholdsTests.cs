using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Max activation (Diehl 2015), percentile (Rueckauer 2017) and channel-wise max activation (Kim 2020).</summary>
public class ActivationThresholdsTests
{
    private static SpikingNetwork Balance(SpikingNetwork template, ImageDataset data, IThresholdMethod method, int batch = 100) =>
        method.Balance(template, new CalibrationSettings(data, Steps: 5, Seed: 1, BatchSize: batch));

    [Fact]
    public void Max_activation_by_hand()
    {
        // The hand network of MaxCurrentThresholdsTests as a CNN. Stage 0 (ReLU of the conv): channel 0 reaches 3/4,
        // channel 1 1/8, channel 2 0 -> lambda_0 = 3/4 for the layer. Stage 2 (ReLU of the dense layer) on the ReLU outputs
        // a = relu(conv): A: a = (3/4, 1/4, 1/8, 0, 0, 0) -> unit 0 = 3/16 + 1/4 = 7/16, unit 1 = 1/16 + 1/4 = 5/16;
        // B: a = (1/4, 3/4, 0, 1/8, 0, 0) -> unit 0 = 1/16 + 3/4 = 13/16, unit 1 = -1/16 + 1/4 = 3/16;
        // C: a = (1/4, 1/4, 0, 0, 0, 0) -> unit 0 = 5/16, unit 1 = 1/4.  lambda_2 = 13/16.
        // Output (identity weights): logits = ReLU outputs of stage 2 -> largest 13/16.
        SpikingNetwork net = Balance(MaxCurrentThresholdsTests.HandTemplate(), MaxCurrentThresholdsTests.HandData(), new MaxActivationThresholds());
        var layers = net.Layers.OfType<SynapticLayer>().ToArray();
        Assert.Equal([0.75f], layers[0].Thresholds);
        Assert.Equal([0.8125f], layers[1].Thresholds);
        Assert.Equal([0.8125f], layers[2].Thresholds);
        // Synapses leaving a layer are multiplied by its lambda: stage 2 by 3/4, the output by 13/16; the first layer
        // and every bias stay.
        SpikingNetwork template = MaxCurrentThresholdsTests.HandTemplate();
        var original = template.Layers.OfType<SynapticLayer>().ToArray();
        Assert.Equal(original[0].Weight, layers[0].Weight);
        Assert.Equal(original[1].Weight.Select(w => w * 0.75f), layers[1].Weight);
        Assert.Equal(original[2].Weight.Select(w => w * 0.8125f), layers[2].Weight);
        for (int i = 0; i < 3; i++) Assert.Equal(original[i].Bias, layers[i].Bias);
        Assert.Equal("max-activation", net.Conversion.Method);
    }

    [Fact]
    public void Channel_max_activation_by_hand()
    {
        // Per channel of the conv: (3/4, 1/8, dead -> 3/4); the dense layers keep one lambda each. The dense layer after
        // flatten gets its features from channel c multiplied by lambda[c]: features 0-1 by 3/4, 2-3 by 1/8, 4-5 by 3/4.
        SpikingNetwork net = Balance(MaxCurrentThresholdsTests.HandTemplate(), MaxCurrentThresholdsTests.HandData(), new ChannelMaxActivationThresholds());
        var layers = net.Layers.OfType<SynapticLayer>().ToArray();
        Assert.Equal([0.75f, 0.125f, 0.75f], layers[0].Thresholds);
        Assert.Equal([0.8125f], layers[1].Thresholds);
        float[] scale = [0.75f, 0.75f, 0.125f, 0.125f, 0.75f, 0.75f];
        float[] w = MaxCurrentThresholdsTests.HandTemplate().Layers.OfType<SynapticLayer>().ElementAt(1).Weight;
        Assert.Equal(w.Select((v, i) => v * scale[i % 6]), layers[1].Weight);
        Assert.Equal(1, net.Conversion.LayerRecords[0].DeadChannels);
    }

    public static TheoryData<string, bool, double> Methods() => new()
    {
        { "max-activation", false, 100 },
        { "channel-max-activation", true, 100 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Conv_network_matches_the_reference_thresholds_and_rescaled_weights(string name, bool channelWise, double percentile)
    {
        // Grey images and the dyadic template: activations in double vs the library's float32 differ by rounding only.
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 9);
        ImageDataset data = TestNets.Grey(12, 1, 6, 6, 3, seed: 10);
        SpikingNetwork actual = Balance(template, data, ThresholdMethods.Create(name), batch: 5);
        var (expected, dead) = ReferenceCalibration.Activation(template, data, channelWise, percentile);
        AssertNetworksClose(expected, actual, 1e-5);
        Assert.Equal(dead.Values, actual.Conversion.LayerRecords.Select(l => l.DeadChannels));
        Assert.Equal(channelWise ? 3 : 1, ((SynapticLayer)actual.Layers[0]).Thresholds.Length);
        Assert.Equal(channelWise ? 4 : 1, ((SynapticLayer)actual.Layers[2]).Thresholds.Length);
    }

    [Fact]
    public void Percentile_is_the_99_9th_percentile_of_the_positive_activations()
    {
        // Enough activations that the 99.9th percentile is not the maximum: 40 images x 3 x 36 conv outputs.
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 9);
        ImageDataset data = TestNets.Grey(40, 1, 6, 6, 3, seed: 11);
        SpikingNetwork actual = Balance(template, data, new PercentileThresholds());
        var activations = ReferenceCalibration.Activations(template, data, channelWise: false);
        var (lambda, _) = ReferenceCalibration.Finalize(activations.OrderBy(p => p.Key).Select(p => ReferenceCalibration.Percentile(p.Value[0], 99.9)).ToArray());
        float[] got = actual.Layers.OfType<SynapticLayer>().Select(l => Assert.Single(l.Thresholds)).ToArray();
        for (int i = 0; i < lambda.Length; i++)
            Assert.True(Math.Abs(got[i] - lambda[i]) <= 0.015 * lambda[i], $"layer {i}: percentile {lambda[i]}, library {got[i]}");
        double max0 = activations[0][0].Max();
        Assert.True(lambda[0] < 0.97 * max0, $"the 99.9th percentile {lambda[0]} should be well below the maximum {max0} here (twice the tolerance)");
        // The next layer's synapses are scaled by the library's own lambda of the layer before.
        float[] w = ((SynapticLayer)template.Layers[2]).Weight;
        Assert.Equal(w.Select(v => v * got[0]), ((SynapticLayer)actual.Layers[2]).Weight);
        Assert.Equal(99.9, actual.Conversion.Percentile);
    }

    private static void AssertNetworksClose(SpikingNetwork expected, SpikingNetwork actual, double relative)
    {
        for (int s = 0; s < expected.Layers.Count; s++)
        {
            if (expected.Layers[s] is not SynapticLayer e) continue;
            var a = (SynapticLayer)actual.Layers[s];
            Assert.Equal(e.Thresholds.Length, a.Thresholds.Length);
            for (int i = 0; i < e.Thresholds.Length; i++)
                Assert.True(Math.Abs(e.Thresholds[i] - a.Thresholds[i]) <= relative * e.Thresholds[i], $"stage {s} threshold {i}: {e.Thresholds[i]} vs {a.Thresholds[i]}");
            double scale = e.Weight.Max(Math.Abs);
            for (int i = 0; i < e.Weight.Length; i++)
                Assert.True(Math.Abs(e.Weight[i] - a.Weight[i]) <= relative * scale, $"stage {s} weight {i}: {e.Weight[i]} vs {a.Weight[i]}");
            Assert.Equal(e.Bias, a.Bias);
        }
    }
}
