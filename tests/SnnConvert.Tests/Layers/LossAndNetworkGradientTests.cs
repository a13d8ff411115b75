using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace SnnConvert.Tests.Layers;

public class LossAndNetworkGradientTests(ITestOutputHelper output)
{
    /// <summary>Mean cross-entropy computed independently in double: -(1/N) sum_n (z[y] - log sum_j exp z[j]).</summary>
    private static double ReferenceLoss(Tensor logits, int[] labels)
    {
        int n = logits.Dim(0), k = logits.Dim(1);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < k; j++) max = Math.Max(max, logits.Data[i * k + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(logits.Data[i * k + j] - max);
            total += max + Math.Log(sum) - logits.Data[i * k + labels[i]];
        }
        return total / n;
    }

    [Fact]
    public void SoftmaxCrossEntropy_gradient_matches_central_differences()
    {
        var rng = new Random(21);
        Tensor logits = GradientCheck.RandomTensor(rng, [4, 5], -2, 2);
        int[] labels = [0, 3, 4, 3];
        var grad = new Tensor(logits.Shape);
        float loss = SoftmaxCrossEntropy.Compute(logits, labels, grad);
        Assert.Equal(ReferenceLoss(logits, labels), loss, 1e-6);
        // Gradients are at most 1/N = 0.25: absolute tolerance 1e-2 * 0.01 = 1e-4 for the small ones.
        var result = GradientCheck.Compare("cross-entropy logits", logits.Data, grad.Data,
            () => SoftmaxCrossEntropy.Compute(logits, labels, null), new GradientCheck.Options(1e-2, 1e-2, Floor: 0.01));
        output.WriteLine($"{result.Name}: max |error| {result.MaxError:g3}, max |gradient| {result.MaxAbsAnalytic:g3}");
        // Each row of (softmax - onehot) / N sums to 0.
        for (int i = 0; i < 4; i++) Assert.Equal(0, grad.Data.AsSpan(i * 5, 5).ToArray().Sum(), 1e-6);
    }

    // Label-smoothed cross-entropy from its definition: -sum_j q_j log p_j with q = (1 - eps) onehot + eps / K.
    private static double ReferenceSmoothedLoss(Tensor logits, int[] labels, double eps)
    {
        int n = logits.Dim(0), k = logits.Dim(1);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double[] z = Enumerable.Range(0, k).Select(j => (double)logits.Data[i * k + j]).ToArray();
            double logSum = Math.Log(z.Sum(Math.Exp));
            for (int j = 0; j < k; j++)
                total -= ((j == labels[i] ? 1 - eps : 0) + eps / k) * (z[j] - logSum);
        }
        return total / n;
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.5f)]
    public void Label_smoothed_cross_entropy_matches_its_definition_and_central_differences(float eps)
    {
        var rng = new Random(23);
        Tensor logits = GradientCheck.RandomTensor(rng, [4, 5], -2, 2);
        int[] labels = [0, 3, 4, 3];
        var grad = new Tensor(logits.Shape);
        float loss = SoftmaxCrossEntropy.Compute(logits, labels, grad, eps);
        Assert.Equal(ReferenceSmoothedLoss(logits, labels, eps), loss, 1e-6);
        Assert.NotEqual(ReferenceLoss(logits, labels), loss, 1e-3);
        var result = GradientCheck.Compare("smoothed cross-entropy logits", logits.Data, grad.Data,
            () => SoftmaxCrossEntropy.Compute(logits, labels, null, eps), new GradientCheck.Options(1e-2, 1e-2, Floor: 0.01));
        output.WriteLine($"{result.Name}: max |error| {result.MaxError:g3}, max |gradient| {result.MaxAbsAnalytic:g3}");
        for (int i = 0; i < 4; i++) Assert.Equal(0, grad.Data.AsSpan(i * 5, 5).ToArray().Sum(), 1e-6);
    }

    [Fact]
    public void Label_smoothing_has_its_minimum_at_the_smoothed_target()
    {
        // Logits with softmax = q = (1 - eps) onehot + eps / K: the gradient vanishes there (closed form: p - q).
        const int k = 4;
        const double eps = 0.2;
        double top = 1 - eps + eps / k, rest = eps / k;
        var logits = new Tensor(new float[] { (float)Math.Log(rest), (float)Math.Log(top), (float)Math.Log(rest), (float)Math.Log(rest) }, 1, k);
        var grad = new Tensor(1, k);
        SoftmaxCrossEntropy.Compute(logits, [1], grad, (float)eps);
        Assert.All(grad.Data, g => Assert.Equal(0f, g, 1e-6));
        var plain = new Tensor(1, k);
        SoftmaxCrossEntropy.Compute(logits, [1], plain);
        Assert.Equal(top - 1, plain.Data[1], 1e-6);   // without smoothing the same logits still pull up class 1
    }

    [Fact]
    public void Label_smoothing_outside_0_to_1_is_refused()
    {
        var logits = new Tensor(1, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute(logits, [0], null, 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Compute(logits, [0], null, -0.1f));
    }

    [Fact]
    public void SoftmaxCrossEntropy_is_stable_for_large_logits()
    {
        // z = [1000, 0, -1000]: log-sum-exp = 1000 + log(1 + e^-1000 + e^-2000) = 1000 (in double).
        var logits = new Tensor(new float[] { 1000, 0, -1000, 0, 0, 0 }, 2, 3);
        var grad = new Tensor(2, 3);
        float loss = SoftmaxCrossEntropy.Compute(logits, [1, 2], grad);
        // Row 0: 1000 - 0 = 1000. Row 1: uniform, log 3. Mean over 2 rows.
        Assert.Equal((1000 + Math.Log(3)) / 2, loss, 1e-3);
        Assert.All(grad.Data, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(0.5f, grad.Data[0], 1e-6);     // softmax 1 / N
        Assert.Equal(-0.5f, grad.Data[1], 1e-6);    // (0 - 1) / N
        Assert.Equal(1f / 6 - 0.5f, grad.Data[5], 1e-6);
    }

    [Fact]
    public void SoftmaxCrossEntropy_rejects_bad_labels()
    {
        var logits = new Tensor(2, 3);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(logits, [0], null));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(logits, [0, 3], null));
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Compute(logits, [-1, 0], null));
    }

    [Fact]
    public void Whole_network_parameter_gradients_match_central_differences()
    {
        // conv-bn-relu-avgpool-flatten-linear, in training mode, through the cross-entropy loss.
        var rng = new Random(22);
        var network = new Network("tiny",
            [
                new Conv2dSpec(1, 2, 3, Padding: 1, Bias: true), new BatchNorm2dSpec(2), new ReluSpec(), new AvgPool2dSpec(2),
                new FlattenSpec(), new LinearSpec(8, 3, Bias: true),
            ],
            [1, 4, 4], rng);
        foreach (Parameter p in network.Parameters)
            if (!p.Decay) GradientCheck.Fill(rng, p.Value.Span, -0.5, 0.5);  // biases, batch-norm shift
        var bn = (BatchNormLayer)network.Layers[1];
        GradientCheck.Fill(rng, bn.Gamma.Value.Span, 0.5, 1.5);
        Tensor x = GradientCheck.RandomTensor(rng, [4, 1, 4, 4]);
        int[] labels = [2, 0, 1, 2];
        Func<ForwardContext> context = GradientCheck.Training();

        Tensor logits = network.Forward(x, context());
        var grad = new Tensor(logits.Shape);
        SoftmaxCrossEntropy.Compute(logits, labels, grad);
        network.ZeroGrad();
        network.Backward(grad);
        var named = network.NamedParameters.Select(np => (np.Name, np.Parameter, Grad: (float[])np.Parameter.Grad.Data.Clone())).ToList();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias"], named.Select(n => n.Name));

        // Batch norm in training mode subtracts the batch mean, so a constant shift before it (the conv bias)
        // cannot change the loss: its gradient is 0 up to rounding.
        Assert.All(named[1].Grad, g => Assert.True(Math.Abs(g) < 1e-5, $"conv bias gradient {g} before batch norm"));

        // The objective is the loss recomputed in double by the test, so the loss's own gradient is checked too.
        double Objective() => ReferenceLoss(network.Forward(x, context()), labels);
        foreach (var (name, parameter, analytic) in named)
        {
            var r = GradientCheck.Compare(name, parameter.Value.Data, analytic, Objective,
                new GradientCheck.Options(1e-3, 1e-2, Floor: 0.01, RequireNonZero: name != "0.bias"));
            output.WriteLine($"{r.Name}: {r.Count} elements, max |error| {r.MaxError:g3}, max |gradient| {r.MaxAbsAnalytic:g3}");
        }
    }

    // --- The checker itself must catch wrong gradients -------------------------------------------

    private sealed record ScaleSpec : LayerSpec
    {
        public override Layer Build(Random random) => throw new NotSupportedException();
        public override int[] OutputShape(int[] inputShape) => inputShape;
        public override string Describe() => "test y = w * x^2";
    }

    /// <summary>y = w[j] * x^2 per feature j; Backward can be made wrong by a factor on dx or on dw.</summary>
    private sealed class SquareLayer(float dxFactor, float dwFactor) : Layer
    {
        private Tensor? _input;
        public readonly Parameter W = Parameter.Create("w", new Tensor(new float[] { 0.7f, -1.3f }, 2), decay: true);
        public override LayerSpec Spec { get; } = new ScaleSpec();
        public override IReadOnlyList<Parameter> Parameters => [W];

        public override Tensor Forward(Tensor input, ForwardContext context)
        {
            _input = input;
            var y = new Tensor(input.Shape);
            for (int i = 0; i < y.Length; i++) y.Data[i] = W.Value.Data[i % 2] * input.Data[i] * input.Data[i];
            return y;
        }

        public override Tensor Backward(Tensor gradOutput)
        {
            Tensor x = Cached(_input);
            var dx = new Tensor(x.Shape);
            for (int i = 0; i < x.Length; i++)
            {
                dx.Data[i] = dxFactor * 2 * W.Value.Data[i % 2] * x.Data[i] * gradOutput.Data[i];
                W.Grad.Data[i % 2] += dwFactor * x.Data[i] * x.Data[i] * gradOutput.Data[i];
            }
            return dx;
        }
    }

    [Theory]
    [InlineData(1f, 1f, true)]
    [InlineData(1.05f, 1f, false)]   // input gradient 5 % off
    [InlineData(1f, 0.95f, false)]   // parameter gradient 5 % off
    [InlineData(0f, 1f, false)]      // input gradient missing
    public void GradientCheck_accepts_correct_and_rejects_wrong_gradients(float dxFactor, float dwFactor, bool shouldPass)
    {
        var rng = new Random(23);
        Tensor x = GradientCheck.RandomTensor(rng, [3, 2], 0.5, 1.5);
        var layer = new SquareLayer(dxFactor, dwFactor);
        void Check() => GradientCheck.CheckLayer(layer, x, GradientCheck.Training(), options: new GradientCheck.Options(1e-2, 1e-2, 0.1));
        if (shouldPass) Check();
        else Assert.ThrowsAny<XunitException>(Check);
    }
}
