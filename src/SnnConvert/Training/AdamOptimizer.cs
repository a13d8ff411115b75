using System.Numerics;
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
            float[] w = p.Value.Data, g = p.Grad.Data, m = mt.Data, v = vt.Data;
            float wd = p.Decay ? weightDecay : 0f;
            // Element-wise, so the chunking does not change any result.
            ChunkedParallel.ForElements(w.Length, (start, end) =>
                Update(w.AsSpan(start, end - start), g.AsSpan(start, end - start), m.AsSpan(start, end - start), v.AsSpan(start, end - start),
                    wd, learningRate, c1, c2));
        }
    }

    // The update of the class summary on one span, vectorised; the same operations in the same order as the scalar tail
    // (square root and division are exact in both).
    private void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float wd, float lr, float c1, float c2)
    {
        int i = 0;
        Vector<float> vwd = new(wd), b1 = new(beta1), b2 = new(beta2), nb1 = new(1f - beta1), nb2 = new(1f - beta2);
        Vector<float> vlr = new(lr), vc1 = new(c1), vc2 = new(c2), eps = new(epsilon);
        for (; i + Vector<float>.Count <= w.Length; i += Vector<float>.Count)
        {
            Vector<float> gi = new Vector<float>(g.Slice(i)) + vwd * new Vector<float>(w.Slice(i));
            Vector<float> mi = b1 * new Vector<float>(m.Slice(i)) + nb1 * gi;
            Vector<float> vi = b2 * new Vector<float>(v.Slice(i)) + nb2 * gi * gi;
            mi.CopyTo(m.Slice(i));
            vi.CopyTo(v.Slice(i));
            (new Vector<float>(w.Slice(i)) - vlr * (mi / vc1) / (Vector.SquareRoot(vi / vc2) + eps)).CopyTo(w.Slice(i));
        }
        for (; i < w.Length; i++)
        {
            float gi = g[i] + wd * w[i];
            m[i] = beta1 * m[i] + (1f - beta1) * gi;
            v[i] = beta2 * v[i] + (1f - beta2) * gi * gi;
            w[i] -= lr * (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + epsilon);
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
