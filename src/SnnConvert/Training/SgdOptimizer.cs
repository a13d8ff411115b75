using System.Numerics;
using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>
/// Stochastic gradient descent with momentum and optional Nesterov momentum, PyTorch's formulation:
/// g = grad + wd * w; v = mu * v + g; step = nesterov ? g + mu * v : v; w -= lr * step.
/// Weight decay applies to parameters marked <see cref="Parameter.Decay"/>.
/// </summary>
public sealed class SgdOptimizer(float momentum, bool nesterov, float weightDecay) : IOptimizer
{
    private readonly Dictionary<Parameter, Tensor> _velocity = new(ReferenceEqualityComparer.Instance);

    /// <inheritdoc/>
    public long Steps { get; set; }

    /// <inheritdoc/>
    public void Step(IReadOnlyList<Parameter> parameters, float learningRate)
    {
        foreach (Parameter p in parameters)
        {
            float[] w = p.Value.Data, g = p.Grad.Data, v = Velocity(p).Data;
            float wd = p.Decay ? weightDecay : 0f;
            // Element-wise, so the chunking does not change any result.
            ChunkedParallel.ForElements(w.Length, (start, end) =>
                Update(w.AsSpan(start, end - start), g.AsSpan(start, end - start), v.AsSpan(start, end - start), wd, learningRate));
        }
        Steps++;
    }

    // The update of the class summary on one span, vectorised; the same operations in the same order as the scalar tail.
    private void Update(Span<float> w, ReadOnlySpan<float> g, Span<float> v, float wd, float lr)
    {
        int i = 0;
        if (momentum != 0f)
        {
            Vector<float> vwd = new(wd), vmu = new(momentum), vlr = new(lr);
            for (; i + Vector<float>.Count <= w.Length; i += Vector<float>.Count)
            {
                Vector<float> gi = new Vector<float>(g.Slice(i)) + vwd * new Vector<float>(w.Slice(i));
                Vector<float> vi = vmu * new Vector<float>(v.Slice(i)) + gi;
                vi.CopyTo(v.Slice(i));
                (new Vector<float>(w.Slice(i)) - vlr * (nesterov ? gi + vmu * vi : vi)).CopyTo(w.Slice(i));
            }
        }
        for (; i < w.Length; i++)
        {
            float gi = g[i] + wd * w[i];
            if (momentum == 0f) { w[i] -= lr * gi; continue; }
            v[i] = momentum * v[i] + gi;
            w[i] -= lr * (nesterov ? gi + momentum * v[i] : v[i]);
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, Tensor Value)> State(IReadOnlyList<Parameter> parameters) =>
        parameters.Select((p, i) => ($"sgd.velocity.{i}", Velocity(p))).ToArray();

    private Tensor Velocity(Parameter p)
    {
        if (!_velocity.TryGetValue(p, out Tensor? v)) _velocity[p] = v = new Tensor(p.Value.Shape);
        return v;
    }
}
