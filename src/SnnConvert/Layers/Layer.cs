using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// One layer of a feed-forward network. <see cref="Forward"/> caches what <see cref="Backward"/> needs;
/// <see cref="Backward"/> accumulates into the parameter gradients and returns the input gradient.
/// Shapes are per batch: (N, C, H, W) for images, (N, F) for features.
/// </summary>
public abstract class Layer
{
    /// <summary>The serialisable description this layer was built from.</summary>
    public abstract LayerSpec Spec { get; }

    /// <summary>Trainable parameters, in a fixed order (used by the model file and optimisers).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>Non-trainable state saved with the model (batch-norm running statistics).</summary>
    public virtual IReadOnlyList<(string Name, Tensor Value)> Buffers => [];

    /// <summary>Computes the output for a batch.</summary>
    public abstract Tensor Forward(Tensor input, ForwardContext context);

    /// <summary>Back-propagates <paramref name="gradOutput"/> through the last forward pass.</summary>
    public abstract Tensor Backward(Tensor gradOutput);

    /// <summary>Sets all parameter gradients to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad.Clear();
    }

    /// <summary>Throws when <paramref name="t"/> does not have the expected rank.</summary>
    protected void RequireRank(Tensor t, int rank, string what)
    {
        if (t.Rank != rank)
            throw new ArgumentException($"{Spec.Describe()}: {what} must have rank {rank}, got shape {t.ShapeText}");
    }

    /// <summary>Throws when backward is called before forward.</summary>
    protected T Cached<T>(T? value) where T : class =>
        value ?? throw new InvalidOperationException($"{Spec.Describe()}: Backward called before Forward");
}
