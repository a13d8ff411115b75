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
            Span<float> w = p.Value.Span, g = p.Grad.Span, v = Velocity(p).Span;
            float wd = p.Decay ? weightDecay : 0f;
            for (int i = 0; i < w.Length; i++)
            {
                float gi = g[i] + wd * w[i];
                if (momentum == 0f) { w[i] -= learningRate * gi; continue; }
                v[i] = momentum * v[i] + gi;
                w[i] -= learningRate * (nesterov ? gi + momentum * v[i] : v[i]);
            }
        }
        Steps++;
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
