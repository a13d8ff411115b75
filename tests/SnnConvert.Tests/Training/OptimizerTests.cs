using SnnConvert.Layers;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

/// <summary>Optimiser updates against values worked out by hand and against the published update rules in double.</summary>
public class OptimizerTests
{
    private static Parameter Param(float[] value, bool decay = true) =>
        Parameter.Create("p", new Tensor((float[])value.Clone(), value.Length), decay);

    private static void SetGrad(Parameter p, params float[] grad) => grad.CopyTo(p.Grad.Data, 0);

    [Fact]
    public void Sgd_plain_step_is_w_minus_lr_g()
    {
        var p = Param([1f, -2f]);
        var sgd = new SgdOptimizer(momentum: 0f, nesterov: false, weightDecay: 0f);
        SetGrad(p, 0.5f, 0.25f);
        sgd.Step([p], 0.1f);
        Assert.Equal(0.95f, p.Value.Data[0], 1e-6);      // 1 - 0.1 * 0.5
        Assert.Equal(-2.025f, p.Value.Data[1], 1e-6);    // -2 - 0.1 * 0.25
        SetGrad(p, -1f, 0f);
        sgd.Step([p], 0.5f);
        Assert.Equal(1.45f, p.Value.Data[0], 1e-6);      // 0.95 + 0.5 * 1
        Assert.Equal(-2.025f, p.Value.Data[1], 1e-6);
        Assert.Equal(2, sgd.Steps);
    }

    [Fact]
    public void Sgd_weight_decay_applies_only_to_parameters_marked_for_it()
    {
        var weight = Param([1f, -3f], decay: true);
        var bias = Param([1f, -3f], decay: false);
        var sgd = new SgdOptimizer(0f, false, weightDecay: 0.1f);
        SetGrad(weight, 0.5f, 0f);
        SetGrad(bias, 0.5f, 0f);
        sgd.Step([weight, bias], 0.1f);
        // weight: g + wd w = 0.5 + 0.1 = 0.6 -> 0.94; 0 + 0.1 * -3 = -0.3 -> -2.97.   bias: no decay.
        Assert.Equal([0.94f, -2.97f], weight.Value.Data.Select(v => MathF.Round(v, 6)));
        Assert.Equal([0.95f, -3f], bias.Value.Data.Select(v => MathF.Round(v, 6)));
    }

    [Fact]
    public void Sgd_momentum_by_hand()
    {
        // v = 0.9 v + g; w -= 0.1 v.   g = 1, 1, 0.5:
        // v1 = 1     w1 = -0.1
        // v2 = 1.9   w2 = -0.29
        // v3 = 2.21  w3 = -0.511
        var p = Param([0f]);
        var sgd = new SgdOptimizer(0.9f, nesterov: false, 0f);
        float[] expected = [-0.1f, -0.29f, -0.511f];
        float[] grads = [1f, 1f, 0.5f];
        for (int t = 0; t < 3; t++)
        {
            SetGrad(p, grads[t]);
            sgd.Step([p], 0.1f);
            Assert.Equal(expected[t], p.Value.Data[0], 1e-6);
        }
        Assert.Equal(2.21f, sgd.State([p])[0].Value.Data[0], 1e-6);
    }

    [Fact]
    public void Sgd_nesterov_by_hand()
    {
        // v = 0.9 v + g; w -= 0.1 (g + 0.9 v).   g = 1, 1, 0.5:
        // v1 = 1     step 1.9     w1 = -0.19
        // v2 = 1.9   step 2.71    w2 = -0.461
        // v3 = 2.21  step 2.489   w3 = -0.7099
        var p = Param([0f]);
        var sgd = new SgdOptimizer(0.9f, nesterov: true, 0f);
        float[] expected = [-0.19f, -0.461f, -0.7099f];
        float[] grads = [1f, 1f, 0.5f];
        for (int t = 0; t < 3; t++)
        {
            SetGrad(p, grads[t]);
            sgd.Step([p], 0.1f);
            Assert.Equal(expected[t], p.Value.Data[0], 1e-6);
        }
    }

    [Theory]
    [InlineData(false, 5)]
    [InlineData(true, 5)]
    [InlineData(true, 37)]        // vector blocks and a scalar tail
    [InlineData(false, 40003)]    // several parallel chunks
    public void Sgd_momentum_with_weight_decay_matches_the_update_rule_in_double(bool nesterov, int n)
    {
        const double mu = 0.8, wd = 0.05, lr = 0.2;
        var rng = new Random(51);
        float[] w0 = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var weight = Param(w0, decay: true);
        var bias = Param(w0, decay: false);
        var sgd = new SgdOptimizer((float)mu, nesterov, (float)wd);
        double[] w = w0.Select(v => (double)v).ToArray(), b = (double[])w.Clone();
        double[] vw = new double[n], vb = new double[n];
        for (int t = 0; t < 3; t++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            SetGrad(weight, g);
            SetGrad(bias, g);
            sgd.Step([weight, bias], (float)lr);
            for (int i = 0; i < n; i++)
            {
                Reference(ref w[i], ref vw[i], g[i] + wd * w[i]);
                Reference(ref b[i], ref vb[i], g[i]);
                Assert.Equal(w[i], weight.Value.Data[i], 1e-5);
                Assert.Equal(b[i], bias.Value.Data[i], 1e-5);
            }
        }

        void Reference(ref double x, ref double v, double g)
        {
            v = mu * v + g;
            x -= lr * (nesterov ? g + mu * v : v);
        }
    }

    [Fact]
    public void Adam_first_steps_by_hand()
    {
        // With a constant gradient the bias-corrected ratio m^ / sqrt(v^) is exactly sign(g), so every step is lr:
        // t = 1: m = 0.1 g, v = 0.001 g^2, m^ = g, v^ = g^2.  t = 2: m^ = 0.19 g / 0.19, v^ = 0.001999 g^2 / 0.001999.
        var p = Param([1f, -1f]);
        var adam = new AdamOptimizer();
        SetGrad(p, 0.2f, -3f);
        adam.Step([p], 0.01f);
        Assert.Equal(0.99f, p.Value.Data[0], 1e-6);
        Assert.Equal(-0.99f, p.Value.Data[1], 1e-6);
        adam.Step([p], 0.01f);
        Assert.Equal(0.98f, p.Value.Data[0], 1e-6);
        Assert.Equal(-0.98f, p.Value.Data[1], 1e-6);
        // t = 3 with g = -0.1 (first element): m = 0.9 * 0.038 - 0.01 = 0.0242, m^ = 0.0242 / 0.271;
        // v = 0.999 * 7.996e-5 + 1e-5 = 8.988004e-5, v^ = v / (1 - 0.999^3) = v / 0.002997001;
        // w = 0.98 - 0.01 * m^ / sqrt(v^) = 0.98 - 0.0051565... = 0.9748435
        SetGrad(p, -0.1f, -3f);
        adam.Step([p], 0.01f);
        double mHat = 0.0242 / 0.271, vHat = 8.988004e-5 / 0.002997001;
        Assert.Equal(0.98 - 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8), p.Value.Data[0], 1e-6);
        Assert.Equal(0.9748435, p.Value.Data[0], 1e-6);
        Assert.Equal(-0.97f, p.Value.Data[1], 1e-6);
        Assert.Equal(3, adam.Steps);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(37)]       // vector blocks and a scalar tail
    [InlineData(40003)]    // several parallel chunks
    public void Adam_with_weight_decay_matches_the_update_rule_in_double(int n)
    {
        const double b1 = 0.85, b2 = 0.99, eps = 1e-6, wd = 0.1, lr = 0.05;
        var rng = new Random(52);
        float[] w0 = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var weight = Param(w0, decay: true);
        var bias = Param(w0, decay: false);
        var adam = new AdamOptimizer((float)b1, (float)b2, (float)eps, (float)wd);
        double[] w = w0.Select(v => (double)v).ToArray(), b = (double[])w.Clone();
        double[] mw = new double[n], vw = new double[n], mb = new double[n], vb = new double[n];
        for (int t = 1; t <= 3; t++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            SetGrad(weight, g);
            SetGrad(bias, g);
            adam.Step([weight, bias], (float)lr);
            for (int i = 0; i < n; i++)
            {
                Reference(ref w[i], ref mw[i], ref vw[i], g[i] + wd * w[i], t);
                Reference(ref b[i], ref mb[i], ref vb[i], g[i], t);
                Assert.Equal(w[i], weight.Value.Data[i], 1e-5);
                Assert.Equal(b[i], bias.Value.Data[i], 1e-5);
            }
        }
        // The state exposes both moments of both parameters.
        Assert.Equal(["adam.m.0", "adam.v.0", "adam.m.1", "adam.v.1"], adam.State([weight, bias]).Select(s => s.Name));
        Assert.Equal(mw[2], adam.State([weight, bias])[0].Value.Data[2], 1e-6);

        static void Reference(ref double x, ref double m, ref double v, double g, int t)
        {
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            x -= lr * (m / (1 - Math.Pow(b1, t))) / (Math.Sqrt(v / (1 - Math.Pow(b2, t))) + eps);
        }
    }
}
