using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// One layer of a feed-forward network. <see cref="Forward"/> caches what <see cref="Backward"/> needs;
/// <see cref="Backward"/> accumulates into the parameter gradients and returns the input gradient.
/// Shapes are per batch: (N, C, H, W) for images, (N, F) for features.
/// </summary>
public abstract class Layer
{
    private Tensor? _output, _gradInput;   // returned again by the next pass when the context allows buffer reuse
    private bool _reuse;                   // whether the last forward pass allowed it (backward follows it)

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

    /// <summary>
    /// Back-propagates <paramref name="gradOutput"/> into the parameter gradients only, for the lowest layer with
    /// parameters, whose input gradient nobody reads. The default runs <see cref="Backward"/> and drops its result;
    /// layers whose input gradient is a real part of the cost (convolution, linear) override it to skip that work.
    /// </summary>
    public virtual void BackwardParametersOnly(Tensor gradOutput) => Backward(gradOutput);

    /// <summary>Sets all parameter gradients to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.Grad.Clear();
    }

    /// <summary>
    /// A tensor of <paramref name="shape"/> for this pass's output, with unspecified contents the layer overwrites
    /// entirely: the previous pass's output when <see cref="ForwardContext.ReuseBuffers"/> is set and the shape is
    /// unchanged, else a new one. Also decides whether the following backward pass may reuse its input gradient.
    /// </summary>
    protected Tensor OutputTensor(ForwardContext context, params int[] shape)
    {
        _reuse = context.ReuseBuffers;
        return Reuse(ref _output, shape, _reuse);
    }

    /// <summary>
    /// A tensor of <paramref name="shape"/> for the input gradient, with unspecified contents the layer overwrites
    /// entirely; reused across passes when the last forward pass (<see cref="OutputTensor"/>) allowed it.
    /// </summary>
    protected Tensor GradInputTensor(params int[] shape) => Reuse(ref _gradInput, shape, _reuse);

    /// <summary>A scratch tensor kept in <paramref name="slot"/> across passes when <paramref name="reuse"/>, else a new one.</summary>
    protected static Tensor Reuse(ref Tensor? slot, int[] shape, bool reuse)
    {
        if (!reuse) return Tensor.Uninitialized(shape);
        if (slot is null || !slot.Shape.AsSpan().SequenceEqual(shape)) slot = Tensor.Uninitialized(shape);
        return slot;
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
