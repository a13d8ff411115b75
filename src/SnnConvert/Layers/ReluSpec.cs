namespace SnnConvert.Layers;

/// <summary>Rectified linear unit max(0, x).</summary>
public sealed record ReluSpec : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new ReluLayer(this);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override string Describe() => "relu";
}
