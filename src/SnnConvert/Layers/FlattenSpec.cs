namespace SnnConvert.Layers;

/// <summary>Flattens (C, H, W) to (C*H*W), in C, H, W order (as PyTorch's nn.Flatten).</summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new FlattenLayer(this);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        long n = 1;
        foreach (int d in inputShape) n *= d;
        return [(int)n];
    }

    /// <inheritdoc/>
    public override string Describe() => "flatten";
}
