using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// Batch norm with the following ReLU fused into its passes (as <see cref="Network"/> runs the pair) gives bit for bit
/// what the two layers give one after the other, forward and backward, training and evaluation; and the batch variance,
/// now combined from per-image plane moments, stays accurate on a channel with a large offset.
/// </summary>
public sealed class BatchNormReluFusionTests
{
    [Theory]
    [InlineData(true, true, 1)]
    [InlineData(true, false, 1)]
    [InlineData(false, true, 1)]
    [InlineData(false, false, 1)]
    [InlineData(true, true, 2)]
    [InlineData(true, false, 2)]
    [InlineData(true, true, 3)]
    public void Fused_relu_matches_the_separate_layers(bool spatial, bool training, int pool)
    {
        var rng = new Random(7);
        // Planes of 42 or 60 values: vector bodies and scalar tails.
        int[] shape = !spatial ? [9, 11] : pool == 1 ? [5, 3, 6, 7] : [5, 3, 6, 10 / pool * pool + (pool == 3 ? 3 : 0)];
        int c = shape[1];
        LayerSpec spec = spatial ? new BatchNorm2dSpec(c) : new BatchNorm1dSpec(c);
        var separate = (BatchNormLayer)spec.Build(rng);
        var fused = (BatchNormLayer)spec.Build(rng);
        GradientCheck.Fill(rng, separate.Gamma.Value.Span);
        GradientCheck.Fill(rng, separate.Beta.Value.Span);
        GradientCheck.Fill(rng, separate.RunningMean.Span);
        for (int i = 0; i < c; i++) separate.RunningVar.Data[i] = 0.5f + i;
        // Channel 0 gives exact zeros of both signs before the ReLU, and one input is NaN: max(., 0) must treat them alike.
        separate.Gamma.Value.Data[0] = 0f;
        separate.Beta.Value.Data[0] = -0f;
        separate.Gamma.Value.Span.CopyTo(fused.Gamma.Value.Span);
        separate.Beta.Value.Span.CopyTo(fused.Beta.Value.Span);
        separate.RunningMean.Span.CopyTo(fused.RunningMean.Span);
        separate.RunningVar.Span.CopyTo(fused.RunningVar.Span);
        var relu = new ReluLayer(new ReluSpec());
        Tensor x = GradientCheck.RandomTensor(rng, shape), dy = GradientCheck.RandomTensor(rng, shape);
        x.Data[x.Length - 1] = float.NaN;
        var context = new ForwardContext(training, new Random(1));

        var pooling = new AvgPool2dLayer(new AvgPool2dSpec(pool));
        Tensor expected = relu.Forward(separate.Forward(x, context), context);
        if (pool > 1) expected = pooling.Forward(expected, context);
        Tensor actual = fused.Forward(x, context, relu: true, pool);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Data, actual.Data);
        Assert.Equal(separate.RunningMean.Data, fused.RunningMean.Data);
        Assert.Equal(separate.RunningVar.Data, fused.RunningVar.Data);

        Tensor dOut = pool > 1 ? GradientCheck.RandomTensor(rng, actual.Shape) : dy;
        Tensor dxExpected = separate.Backward(relu.Backward(pool > 1 ? pooling.Backward(dOut) : dOut));
        Tensor dxActual = fused.BackwardThroughRelu(dOut);
        Assert.Equal(dxExpected.Data, dxActual.Data);
        Assert.Equal(separate.Gamma.Grad.Data, fused.Gamma.Grad.Data);
        Assert.Equal(separate.Beta.Grad.Data, fused.Beta.Grad.Data);
        Assert.Throws<InvalidOperationException>(() => fused.Backward(dy));
    }

    [Fact]
    public void Batch_variance_of_a_channel_with_a_large_offset_matches_double_precision()
    {
        const int n = 40, h = 8, w = 8;
        var rng = new Random(3);
        var layer = (BatchNormLayer)new BatchNorm2dSpec(1, Momentum: 1f).Build(rng);
        var x = new Tensor(n, 1, h, w);
        // Planes with different means around 1e4 and unit noise: E[x^2] - mean^2 would lose every digit in float32.
        for (int i = 0; i < n; i++)
            for (int k = 0; k < h * w; k++) x.Data[i * h * w + k] = 1e4f + i * 0.25f + (rng.NextSingle() * 2 - 1);
        layer.Forward(x, new ForwardContext(true, new Random(1)));
        double mean = x.Data.Average(v => (double)v), unbiased = x.Data.Sum(v => ((double)v - mean) * ((double)v - mean)) / (x.Length - 1);
        Assert.Equal(mean, layer.RunningMean.Data[0], 1e-2);
        Assert.Equal(1, layer.RunningVar.Data[0] / unbiased, 1e-4);
    }

    [Fact]
    public void A_network_with_batch_norm_and_relu_trains_as_its_layers_run_one_by_one()
    {
        // Batch norm, ReLU and pooling (fused as one), then batch norm and ReLU (fused as two), then the classifier.
        LayerSpec[] architecture =
        [
            new Conv2dSpec(2, 8, 3, Padding: 1), new BatchNorm2dSpec(8), new ReluSpec(), new AvgPool2dSpec(2),
            new Conv2dSpec(8, 8, 3, Padding: 1), new BatchNorm2dSpec(8), new ReluSpec(), new FlattenSpec(), new LinearSpec(8 * 3 * 3, 3),
        ];
        var network = new Network("fused", architecture, [2, 6, 6], new Random(4));
        var reference = new Network("separate", architecture, [2, 6, 6], new Random(4));
        var rng = new Random(5);
        Tensor x = GradientCheck.RandomTensor(rng, [6, 2, 6, 6]), dLogits = GradientCheck.RandomTensor(rng, [6, 3]);
        var context = new ForwardContext(true, new Random(1));

        Tensor logits = network.Forward(x, context);
        Tensor t = x;
        foreach (Layer layer in reference.Layers) t = layer.Forward(t, context);
        Assert.Equal(t.Data, logits.Data);

        network.ZeroGrad();
        network.Backward(dLogits);
        reference.ZeroGrad();
        Tensor g = dLogits;
        for (int i = reference.Layers.Count - 1; i > 0; i--) g = reference.Layers[i].Backward(g);
        reference.Layers[0].BackwardParametersOnly(g);
        Parameter[] a = [.. network.Parameters], b = [.. reference.Parameters];
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i].Grad.Data, a[i].Grad.Data);
    }
}
