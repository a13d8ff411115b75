using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with L2 weight decay added to the gradient (PyTorch's Adam, not AdamW):
/// g = grad + wd * w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
/// </summary>
public sealed class AdamOptimizer(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f) : IOptimizer
{
    private readonly Dictionary<Parameter, (Tensor M, Tensor V)> _moments = new(ReferenceEqualityComparer.Instance);

    /// <inheritdoc/>
    public long Steps { get; set; }

    /// <inheritdoc/>
    public void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        Steps++;
        float c1 = 1f - MathF.Pow(beta1, Steps), c2 = 1f - MathF.Pow(beta2, Steps);
        foreach (Parameter p in parameters)
        {
            var (mt, vt) = Moments(p);
            Span<float> w = p.Value.Span, g = p.Grad.Span, m = mt.Span, v = vt.Span;
            float wd = p.Decay ? weightDecay : 0f;
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] + wd * w[i];
                m[i] = beta1 * m[i] + (1f - beta1) * gi;
                v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
                w[i] -= learningRate * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + epsilon);
            }
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, Tensor Value)> State(IReadOnlyList<Parameter> parameters) =>
        parameters.SelectMany((p, i) =>
        {
            var (m, v) = Moments(p);
            return new[] { ($"adam.m.{i}", m), ($"adam.v.{i}", v) };
        }).ToArray();

    private (Tensor M, Tensor V) Moments(Parameter p)
    {
        if (!_moments.TryGetValue(p, out var mv)) _moments[p] = mv = (new Tensor(p.Value.Shape), new Tensor(p.Value.Shape));
        return mv;
    }
}
