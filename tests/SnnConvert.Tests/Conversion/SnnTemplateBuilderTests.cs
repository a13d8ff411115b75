using System.Text.Json.Nodes;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public class SnnTemplateBuilderTests
{
    internal static SavedModel Model(LayerSpec[] specs, int[] inputShape, int seed = 1)
    {
        var network = new Network("tiny", specs, inputShape, new Random(seed));
        var rng = new Random(seed + 100);
        float U(double lo, double hi) => (float)(lo + (hi - lo) * rng.NextDouble());
        foreach (Layer layer in network.Layers)
        {
            switch (layer)
            {
                case BatchNormLayer bn:   // non-default statistics and affine parameters
                    for (int c = 0; c < bn.Gamma.Value.Length; c++)
                    {
                        bn.Gamma.Value.Data[c] = U(0.5, 1.5);
                        bn.Beta.Value.Data[c] = U(-0.3, 0.3);
                        bn.RunningMean.Data[c] = U(-0.4, 0.4);
                        bn.RunningVar.Data[c] = U(0.3, 2.0);
                    }
                    break;
                case Conv2dLayer { Bias: { } b }:
                    for (int i = 0; i < b.Value.Length; i++) b.Value.Data[i] = U(-0.2, 0.2);
                    break;
                case LinearLayer { Bias: { } b }:
                    for (int i = 0; i < b.Value.Length; i++) b.Value.Data[i] = U(-0.2, 0.2);
                    break;
            }
        }
        int classes = network.ClassCount;
        return new SavedModel(network, "synthetic", Enumerable.Range(0, classes).Select(i => $"c{i}").ToArray(), new JsonObject());
    }

    /// <summary>Images with non-trivial values right up to the border, in a tensor (N, C, H, W) scaled to [0, 1].</summary>
    private static Tensor Images(int n, int[] shape, int seed)
    {
        var rng = new Random(seed);
        var t = new Tensor([n, .. shape]);
        for (int i = 0; i < t.Length; i++) t.Data[i] = rng.Next(256) * (1f / 255f);
        return t;
    }

    private static void AssertClose(float[] expected, float[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= relative * scale, $"logit {i}: CNN {expected[i]}, template {actual[i]}");
    }

    private static readonly LayerSpec[] ConvSpecs =
    [
        new NormalizeSpec([0.3f, 0.6f], [0.2f, 0.4f]),
        new Conv2dSpec(2, 3, 3, Padding: 1, Bias: true),   // 2x6x6 -> 3x6x6, borders read the padding
        new BatchNorm2dSpec(3, Eps: 0.05f),                // a large eps, so that folding must use it
        new ReluSpec(),
        new DropoutSpec(0.5f),
        new AvgPool2dSpec(2),                              // -> 3x3x3
        new Conv2dSpec(3, 4, 3, Padding: 1),               // -> 4x3x3
        new BatchNorm2dSpec(4),
        new ReluSpec(),
        new Dropout2dSpec(0.25f),
        new FlattenSpec(),
        new LinearSpec(36, 5, Bias: true),
    ];

    [Fact]
    public void Template_of_a_conv_network_computes_the_CNN_exactly_including_padded_borders()
    {
        SavedModel model = Model(ConvSpecs, [2, 6, 6]);
        ConversionTemplate template = SnnTemplateBuilder.Build(model);
        SpikingNetwork net = template.Network;

        // Normalize, batch norm and dropout are folded away: conv, pool, conv, flatten, linear.
        Assert.Collection(net.Layers,
            l => Assert.True(l is SnnConv2d { Spiking: true, Padding: 1, Bias: not null, PadValues: [0.3f, 0.6f] }),
            l => Assert.Equal(new SnnAvgPool2d(2, 2), l),
            l => Assert.True(l is SnnConv2d { Spiking: true, Bias: not null, PadValues: null }),   // batch norm creates the bias
            l => Assert.IsType<SnnFlatten>(l),
            l => Assert.True(l is SnnLinear { Spiking: false, Bias: not null }));
        Assert.All(net.Layers.OfType<SynapticLayer>(), l => Assert.Empty(l.Thresholds));
        Assert.Empty(template.Warnings);
        Assert.Equal(model.ClassNames, net.ClassNames);
        Assert.Equal([2, 6, 6], net.InputShape);

        Tensor images = Images(7, [2, 6, 6], seed: 3);
        float[] cnn = model.Network.Forward(images, ForwardContext.Eval).Data;
        float[] snn = new AnalogForward(net).Run(images.Data, 7);
        AssertClose(cnn, snn, 1e-4);

        // The comparison is sensitive to the border: padding the folded layer with 0 instead of the mean is off.
        var zeroPadded = net.WithLayer(0, (SnnConv2d)net.Layers[0] with { PadValues = null });
        float[] wrong = new AnalogForward(zeroPadded).Run(images.Data, 7);
        Assert.True(cnn.Zip(wrong).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "zero padding should change the logits");
    }

    [Fact]
    public void Template_of_a_dense_network_folds_normalisation_through_flatten_and_batch_norm_1d()
    {
        LayerSpec[] specs =
        [
            new NormalizeSpec([0.3f, 0.6f], [0.2f, 0.4f]),
            new FlattenSpec(),
            new LinearSpec(2 * 4 * 4, 6, Bias: true),
            new BatchNorm1dSpec(6),
            new ReluSpec(),
            new DropoutSpec(0.3f),
            new LinearSpec(6, 3),
            new BatchNorm1dSpec(3),
        ];
        SavedModel model = Model(specs, [2, 4, 4], seed: 5);
        SpikingNetwork net = SnnTemplateBuilder.Build(model).Network;
        Assert.Collection(net.Layers,
            l => Assert.IsType<SnnFlatten>(l),
            l => Assert.True(l is SnnLinear { Spiking: true, InFeatures: 32, Bias: not null }),
            l => Assert.True(l is SnnLinear { Spiking: false, Bias: not null }));
        Tensor images = Images(9, [2, 4, 4], seed: 6);
        AssertClose(model.Network.Forward(images, ForwardContext.Eval).Data, new AnalogForward(net).Run(images.Data, 9), 1e-4);
    }

    [Fact]
    public void Batch_norm_folding_matches_the_formula_on_a_hand_set_layer()
    {
        // Conv 1->1 1x1 with weight 2, bias 0.5; batch norm gamma 3, beta -1, mean 0.25, var 3.75, eps 0.25 -> sqrt(var + eps) = 2.
        // W' = W gamma / 2 = 3; b' = (0.5 - 0.25) * 1.5 - 1 = -0.625.
        SavedModel model = Model([new Conv2dSpec(1, 1, 1, Bias: true), new BatchNorm2dSpec(1, Eps: 0.25f), new ReluSpec(), new FlattenSpec(), new LinearSpec(4, 2)], [1, 2, 2]);
        var conv = (Conv2dLayer)model.Network.Layers[0];
        var bn = (BatchNormLayer)model.Network.Layers[1];
        conv.Weight.Value.Data[0] = 2f;
        conv.Bias!.Value.Data[0] = 0.5f;
        bn.Gamma.Value.Data[0] = 3f;
        bn.Beta.Value.Data[0] = -1f;
        bn.RunningMean.Data[0] = 0.25f;
        bn.RunningVar.Data[0] = 3.75f;
        var folded = (SnnConv2d)SnnTemplateBuilder.Build(model).Network.Layers[0];
        Assert.Equal(3.0, folded.Weight[0], 6);
        Assert.Equal(-0.625, folded.Bias![0], 6);
    }

    [Fact]
    public void Max_pooling_is_refused_by_default_and_replaced_by_average_pooling_on_request()
    {
        LayerSpec[] specs = [new Conv2dSpec(1, 2, 3, Padding: 1), new ReluSpec(), new MaxPool2dSpec(2), new FlattenSpec(), new LinearSpec(2 * 3 * 3, 3)];
        SavedModel model = Model(specs, [1, 6, 6]);
        var e = Assert.Throws<ConversionException>(() => SnnTemplateBuilder.Build(model));
        Assert.Contains("layer 2 (maxpool2d 2x2)", e.Message);
        Assert.Contains("max pooling", e.Message);

        ConversionTemplate template = SnnTemplateBuilder.Build(model, MaxPoolHandling.Average);
        Assert.Equal(new SnnAvgPool2d(2, 2), template.Network.Layers[1]);
        string warning = Assert.Single(template.Warnings);
        Assert.Contains("layer 2", warning);
        Assert.Contains("average pooling", warning);
        Assert.Equal(warning, Assert.Single(template.Network.Conversion.Warnings!));
        // The replaced network computes the CNN with average pooling in place of max pooling.
        var avgModel = Model([new Conv2dSpec(1, 2, 3, Padding: 1), new ReluSpec(), new AvgPool2dSpec(2), new FlattenSpec(), new LinearSpec(2 * 3 * 3, 3)], [1, 6, 6]);
        Tensor images = Images(3, [1, 6, 6], seed: 9);
        AssertClose(avgModel.Network.Forward(images, ForwardContext.Eval).Data, new AnalogForward(template.Network).Run(images.Data, 3), 1e-4);
    }

    public static TheoryData<string, LayerSpec[], int[], string> Unsupported() => new()
    {
        { "pool before relu", [new Conv2dSpec(1, 2, 3), new AvgPool2dSpec(2), new ReluSpec(), new FlattenSpec(), new LinearSpec(8, 2)], [1, 6, 6], "layer 1 (avgpool2d 2x2)" },
        { "relu first", [new ReluSpec(), new Conv2dSpec(1, 2, 3), new ReluSpec(), new FlattenSpec(), new LinearSpec(32, 2)], [1, 6, 6], "layer 0 (relu)" },
        { "two linear layers", [new FlattenSpec(), new LinearSpec(36, 4), new LinearSpec(4, 2)], [1, 6, 6], "layer 2 (linear 4->2)" },
        { "flatten before relu", [new Conv2dSpec(1, 2, 3), new FlattenSpec(), new ReluSpec(), new LinearSpec(32, 2)], [1, 6, 6], "layer 1 (flatten)" },
        { "batch norm after relu", [new Conv2dSpec(1, 2, 3), new ReluSpec(), new BatchNorm2dSpec(2), new FlattenSpec(), new LinearSpec(32, 2)], [1, 6, 6], "layer 2 (batchnorm2d 2)" },
        { "normalize not first", [new Conv2dSpec(1, 1, 1), new ReluSpec(), new NormalizeSpec([0.5f], [0.25f]), new FlattenSpec(), new LinearSpec(36, 2)], [1, 6, 6], "layer 2 (normalize" },
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void Unsupported_layer_orders_are_refused_naming_the_layer(string what, LayerSpec[] specs, int[] input, string layer)
    {
        var e = Assert.Throws<ConversionException>(() => SnnTemplateBuilder.Build(Model(specs, input)));
        Assert.Contains(layer, e.Message);
        Assert.StartsWith("tiny:", e.Message);
        Assert.False(string.IsNullOrWhiteSpace(what));
    }

    [Fact]
    public void A_network_ending_with_relu_is_refused()
    {
        LayerSpec[] specs = [new FlattenSpec(), new LinearSpec(36, 4), new ReluSpec(), new LinearSpec(4, 2), new ReluSpec()];
        var e = Assert.Throws<ConversionException>(() => SnnTemplateBuilder.Build(Model(specs, [1, 6, 6])));
        Assert.StartsWith("tiny:", e.Message);
        Assert.Contains("must end with a conv or dense layer without ReLU", e.Message);
    }
}
