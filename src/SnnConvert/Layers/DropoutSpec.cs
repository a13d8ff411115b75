namespace SnnConvert.Layers;

/// <summary>Element-wise (inverted) dropout with drop probability P; identity at evaluation.</summary>
public sealed record DropoutSpec(float P) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new DropoutLayer(this, P, channelWise: false);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override string Describe() => $"dropout {P}";
}
