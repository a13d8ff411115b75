namespace SnnConvert.Layers;

/// <summary>Fully connected layer y = x W^T + b. Weight shape (OutFeatures, InFeatures).</summary>
public sealed record LinearSpec(int InFeatures, int OutFeatures, bool Bias = false) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new LinearLayer(this, random);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 1 || inputShape[0] != InFeatures) throw ShapeError(inputShape, $"({InFeatures})");
        return [OutFeatures];
    }

    /// <inheritdoc/>
    public override long Macs(int[] inputShape) => (long)InFeatures * OutFeatures;

    /// <inheritdoc/>
    public override long ParameterCount => (long)InFeatures * OutFeatures + (Bias ? OutFeatures : 0);

    /// <inheritdoc/>
    public override string Describe() => $"linear {InFeatures}->{OutFeatures}" + (Bias ? " +bias" : "");
}
