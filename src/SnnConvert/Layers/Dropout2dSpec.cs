namespace SnnConvert.Layers;

/// <summary>Channel-wise (inverted) dropout: whole feature maps are dropped with probability P; identity at evaluation.</summary>
public sealed record Dropout2dSpec(float P) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new DropoutLayer(this, P, channelWise: true);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3) throw ShapeError(inputShape, "(C, H, W)");
        return inputShape;
    }

    /// <inheritdoc/>
    public override string Describe() => $"dropout2d {P}";
}
