namespace SnnConvert.Layers;

/// <summary>Batch normalisation per feature of an (N, F) input (Ioffe &amp; Szegedy 2015).</summary>
/// <param name="Features">Number of features F.</param>
/// <param name="Eps">Added to the variance.</param>
/// <param name="Momentum">Running statistics: r = (1 - momentum) r + momentum * batch (PyTorch's convention).</param>
public sealed record BatchNorm1dSpec(int Features, float Eps = 1e-5f, float Momentum = 0.1f) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new BatchNormLayer(this, Features, Eps, Momentum, spatial: false);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 1 || inputShape[0] != Features) throw ShapeError(inputShape, $"({Features})");
        return inputShape;
    }

    /// <inheritdoc/>
    public override long ParameterCount => 2L * Features;

    /// <inheritdoc/>
    public override string Describe() => $"batchnorm1d {Features}";
}
