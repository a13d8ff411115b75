namespace SnnConvert.Layers;

/// <summary>Batch normalisation over (N, H, W) per channel of an (N, C, H, W) input (Ioffe &amp; Szegedy 2015).</summary>
/// <param name="Channels">Number of channels C.</param>
/// <param name="Eps">Added to the variance.</param>
/// <param name="Momentum">Running statistics: r = (1 - momentum) r + momentum * batch (PyTorch's convention).</param>
public sealed record BatchNorm2dSpec(int Channels, float Eps = 1e-5f, float Momentum = 0.1f) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new BatchNormLayer(this, Channels, Eps, Momentum, spatial: true);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[0] != Channels) throw ShapeError(inputShape, $"({Channels}, H, W)");
        return inputShape;
    }

    /// <inheritdoc/>
    public override long ParameterCount => 2L * Channels;

    /// <inheritdoc/>
    public override string Describe() => $"batchnorm2d {Channels}";
}
