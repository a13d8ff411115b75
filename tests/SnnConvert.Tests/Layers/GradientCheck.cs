using SnnConvert.Layers;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Layers;

/// <summary>
/// Finite-difference gradient checking. The analytic gradient of a scalar objective is compared, element by
/// element, with the central difference (L(x + eps) - L(x - eps)) / (2 eps), the objective summed in double.
/// An element passes when |analytic - numeric| &lt;= Tolerance * max(Floor, |analytic|, |numeric|).
/// </summary>
public static class GradientCheck
{
    /// <summary>Settings of one check.</summary>
    /// <param name="Eps">Perturbation (float32 inputs: 1e-2 or 1e-3).</param>
    /// <param name="Tolerance">Relative tolerance.</param>
    /// <param name="Floor">Magnitude below which the tolerance becomes absolute (Tolerance * Floor).</param>
    /// <param name="RequireNonZero">Fail when every analytic gradient is 0 (guards against vacuous checks);
    /// turn off only where the true gradient is 0.</param>
    public sealed record Options(double Eps = 1e-2, double Tolerance = 1e-2, double Floor = 1.0, bool RequireNonZero = true);

    /// <summary>Outcome for one tensor: elements checked, largest error, largest analytic gradient.</summary>
    public sealed record Result(string Name, int Count, double MaxError, double MaxAbsAnalytic);

    /// <summary>
    /// Compares <paramref name="analytic"/> with central differences of <paramref name="objective"/> with respect
    /// to each element of <paramref name="values"/>, which is perturbed in place and restored exactly.
    /// Fails when an element is off, or (unless turned off) when every analytic gradient is zero (a vacuous check).
    /// </summary>
    public static Result Compare(string name, float[] values, float[] analytic, Func<double> objective, Options? options = null)
    {
        options ??= new Options();
        Assert.Equal(values.Length, analytic.Length);
        var failures = new List<string>();
        double maxError = 0, maxAbs = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float original = values[i];
            float plus = (float)(original + options.Eps), minus = (float)(original - options.Eps);
            values[i] = plus;
            double up = objective();
            values[i] = minus;
            double down = objective();
            values[i] = original;
            // Divide by the step actually taken after rounding to float32.
            double numeric = (up - down) / ((double)plus - minus);
            double a = analytic[i], error = Math.Abs(a - numeric);
            maxError = Math.Max(maxError, error);
            maxAbs = Math.Max(maxAbs, Math.Abs(a));
            if (!(error <= options.Tolerance * Math.Max(options.Floor, Math.Max(Math.Abs(a), Math.Abs(numeric)))))
                failures.Add($"[{i}] analytic {a:g6}, numeric {numeric:g6}, difference {error:g3}");
        }
        if (failures.Count > 0)
            Assert.Fail($"{name}: {failures.Count} of {values.Length} gradient elements differ from central differences:\n  " +
                string.Join("\n  ", failures.Take(12)));
        Assert.True(!options.RequireNonZero || values.Length == 0 || maxAbs > 0, $"{name}: every analytic gradient is 0, the check proves nothing");
        return new Result(name, values.Length, maxError, maxAbs);
    }

    /// <summary>
    /// Checks a layer's Backward for the objective L = sum(Forward(input) * R) with a fixed random R: the input
    /// gradient (when <paramref name="checkInput"/>) and every parameter's gradient.
    /// <paramref name="context"/> is called for every forward pass (return a fresh, identically seeded
    /// Random to keep dropout masks fixed).
    /// </summary>
    public static IReadOnlyList<Result> CheckLayer(Layer layer, Tensor input, Func<ForwardContext> context, int seed = 12345,
        Options? options = null, bool checkInput = true)
    {
        Tensor output = layer.Forward(input, context());
        Tensor r = RandomTensor(new Random(seed), output.Shape);
        float[] rData = (float[])r.Data.Clone();

        layer.ZeroGrad();
        Tensor gradInput = layer.Backward(r);
        Assert.Equal(input.Shape, gradInput.Shape);
        Assert.Equal(rData, r.Data);   // Backward must not modify its argument
        float[] inputGrad = (float[])gradInput.Data.Clone();
        var paramGrads = layer.Parameters.Select(p => (p, Grad: (float[])p.Grad.Data.Clone())).ToList();

        double Objective()
        {
            Tensor y = layer.Forward(input, context());
            Assert.Equal(output.Shape, y.Shape);
            return Dot(y.Data, rData);
        }

        var results = new List<Result>();
        if (checkInput) results.Add(Compare($"{layer.Spec.Describe()} input", input.Data, inputGrad, Objective, options));
        foreach (var (p, grad) in paramGrads)
            results.Add(Compare($"{layer.Spec.Describe()} {p.Name}", p.Value.Data, grad, Objective, options));
        return results;
    }

    /// <summary>sum a[i] * b[i] in double.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * b[i];
        return s;
    }

    /// <summary>A tensor of values uniform in [lo, hi).</summary>
    public static Tensor RandomTensor(Random rng, int[] shape, double lo = -1, double hi = 1)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return t;
    }

    /// <summary>Fills <paramref name="data"/> with values uniform in [lo, hi).</summary>
    public static void Fill(Random rng, Span<float> data, double lo = -1, double hi = 1)
    {
        for (int i = 0; i < data.Length; i++) data[i] = (float)(lo + (hi - lo) * rng.NextDouble());
    }

    /// <summary>A training-mode context whose Random is seeded identically on every call.</summary>
    public static Func<ForwardContext> Training(int seed = 99) => () => new ForwardContext(true, new Random(seed));

    /// <summary>The evaluation context.</summary>
    public static Func<ForwardContext> Eval => () => ForwardContext.Eval;
}
