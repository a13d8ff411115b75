using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// Every layer's Backward against central differences of L = sum(Forward(x) * R), for the input gradient
/// and every parameter gradient (<see cref="GradientCheck"/>).
/// </summary>
public class LayerGradientTests(ITestOutputHelper output)
{
    // |analytic - numeric| <= 1e-2 * max(0.1, |analytic|, |numeric|): relative 1 %, absolute 1e-3 for small gradients.
    private static readonly GradientCheck.Options Default = new(Eps: 1e-2, Tolerance: 1e-2, Floor: 0.1);

    private void Log(IEnumerable<GradientCheck.Result> results)
    {
        foreach (var r in results)
            output.WriteLine($"{r.Name}: {r.Count} elements, max |error| {r.MaxError:g3}, max |gradient| {r.MaxAbsAnalytic:g3}");
    }

    [Theory]
    [InlineData(2, 3, 3, 1, 0, false, 5, 6)]
    [InlineData(2, 3, 3, 1, 0, true, 5, 6)]
    [InlineData(2, 3, 3, 2, 1, true, 7, 6)]    // stride 2, padding 1
    [InlineData(3, 2, 3, 2, 0, false, 6, 6)]   // stride 2: the last row and column are in no window
    [InlineData(1, 2, 5, 1, 2, false, 6, 7)]   // kernel 5, padding 2
    [InlineData(2, 2, 5, 2, 1, true, 9, 8)]    // kernel 5, stride 2, padding 1
    public void Conv2d_gradients_match_finite_differences(int cin, int cout, int kernel, int stride, int padding, bool bias, int h, int w)
    {
        var rng = new Random(1);
        var layer = (Conv2dLayer)new Conv2dSpec(cin, cout, kernel, stride, padding, bias).Build(rng);
        if (layer.Bias is not null) GradientCheck.Fill(rng, layer.Bias.Value.Span);
        Tensor x = GradientCheck.RandomTensor(rng, [2, cin, h, w]);
        var results = GradientCheck.CheckLayer(layer, x, GradientCheck.Training(), options: Default);
        Assert.Equal(bias ? 3 : 2, results.Count);
        Log(results);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Linear_gradients_match_finite_differences(bool bias)
    {
        var rng = new Random(2);
        var layer = (LinearLayer)new LinearSpec(5, 4, bias).Build(rng);
        if (layer.Bias is not null) GradientCheck.Fill(rng, layer.Bias.Value.Span);
        Tensor x = GradientCheck.RandomTensor(rng, [3, 5]);
        var results = GradientCheck.CheckLayer(layer, x, GradientCheck.Training(), options: Default);
        Assert.Equal(bias ? 3 : 2, results.Count);
        Log(results);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 4 })]
    [InlineData(new[] { 3, 7 })]
    public void ReLU_gradients_match_finite_differences(int[] shape)
    {
        // |x| in [0.1, 1] with random sign: no perturbation of 0.01 crosses the kink at 0.
        var rng = new Random(3);
        Tensor x = GradientCheck.RandomTensor(rng, shape, 0.1, 1);
        for (int i = 0; i < x.Length; i++) if (rng.Next(2) == 0) x.Data[i] = -x.Data[i];
        Log(GradientCheck.CheckLayer(new ReluSpec().Build(rng), x, GradientCheck.Training(), options: Default));
    }

    [Theory]
    [InlineData(2, 0, 5, 5)]   // kernel 2 stride 2; row and column 4 are in no window
    [InlineData(3, 2, 7, 7)]   // kernel 3 stride 2: windows overlap
    [InlineData(3, 1, 5, 4)]
    public void AvgPool2d_gradients_match_finite_differences(int kernel, int stride, int h, int w)
    {
        var rng = new Random(4);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 2, h, w]);
        Log(GradientCheck.CheckLayer(new AvgPool2dSpec(kernel, stride).Build(rng), x, GradientCheck.Training(), options: Default));
    }

    [Theory]
    [InlineData(2, 0, 4, 5)]
    [InlineData(3, 2, 7, 7)]   // overlapping windows: an input can be the maximum of several
    public void MaxPool2d_gradients_match_finite_differences(int kernel, int stride, int h, int w)
    {
        // Distinct values 0.05 apart in random order: a perturbation of 0.01 never changes a window's arg-max.
        var rng = new Random(5);
        int[] shape = [2, 2, h, w];
        int n = Tensor.ElementCount(shape);
        int[] order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        var x = new Tensor(order.Select(i => (float)(0.05 * (i - n / 2))).ToArray(), shape);
        Log(GradientCheck.CheckLayer(new MaxPool2dSpec(kernel, stride).Build(rng), x, GradientCheck.Training(), options: Default));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d_gradients_match_finite_differences(bool training)
    {
        var rng = new Random(6);
        var layer = (BatchNormLayer)new BatchNorm2dSpec(3).Build(rng);
        RandomiseBatchNorm(layer, rng);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 3, 3, 4], -1, 2);
        var results = GradientCheck.CheckLayer(layer, x, training ? GradientCheck.Training() : GradientCheck.Eval, options: Default);
        Assert.Equal(["input", "weight", "bias"], results.Select(r => r.Name.Split(' ')[^1]));
        Log(results);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm1d_gradients_match_finite_differences(bool training)
    {
        var rng = new Random(7);
        var layer = (BatchNormLayer)new BatchNorm1dSpec(4).Build(rng);
        RandomiseBatchNorm(layer, rng);
        Tensor x = GradientCheck.RandomTensor(rng, [5, 4], -2, 1);
        var results = GradientCheck.CheckLayer(layer, x, training ? GradientCheck.Training() : GradientCheck.Eval, options: Default);
        Assert.Equal(3, results.Count);
        Log(results);
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.6f)]
    public void Dropout_gradients_match_finite_differences(float p)
    {
        var rng = new Random(8);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 3, 4, 4]);
        // Every forward pass draws from an identically seeded Random, so the mask stays fixed.
        Log(GradientCheck.CheckLayer(new DropoutSpec(p).Build(rng), x, GradientCheck.Training(seed: 17), options: Default));
    }

    [Fact]
    public void Dropout2d_gradients_match_finite_differences()
    {
        var rng = new Random(9);
        Tensor x = GradientCheck.RandomTensor(rng, [3, 4, 3, 3]);
        Log(GradientCheck.CheckLayer(new Dropout2dSpec(0.5f).Build(rng), x, GradientCheck.Training(seed: 18), options: Default));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Dropout_in_eval_mode(bool channelWise)
    {
        var rng = new Random(10);
        LayerSpec spec = channelWise ? new Dropout2dSpec(0.5f) : new DropoutSpec(0.5f);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 3, 2, 2]);
        Log(GradientCheck.CheckLayer(spec.Build(rng), x, GradientCheck.Eval, options: Default));
    }

    [Fact]
    public void Flatten_gradients_match_finite_differences()
    {
        var rng = new Random(11);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 3, 2, 2]);
        Log(GradientCheck.CheckLayer(new FlattenSpec().Build(rng), x, GradientCheck.Training(), options: Default));
    }

    [Fact]
    public void Normalize_gradients_match_finite_differences()
    {
        var rng = new Random(12);
        Tensor x = GradientCheck.RandomTensor(rng, [2, 2, 3, 3]);
        Log(GradientCheck.CheckLayer(new NormalizeSpec([0.5f, -0.2f], [0.25f, 2f]).Build(rng), x, GradientCheck.Training(), options: Default));
    }

    private static void RandomiseBatchNorm(BatchNormLayer layer, Random rng)
    {
        GradientCheck.Fill(rng, layer.Gamma.Value.Span, 0.5, 1.5);
        GradientCheck.Fill(rng, layer.Beta.Value.Span, -0.5, 0.5);
        GradientCheck.Fill(rng, layer.RunningMean.Span, -0.5, 0.5);
        GradientCheck.Fill(rng, layer.RunningVar.Span, 0.5, 2);
    }
}
