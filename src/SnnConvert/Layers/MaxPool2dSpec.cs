namespace SnnConvert.Layers;

/// <summary>Max pooling over Kernel x Kernel windows, no padding (stride defaults to the kernel size).</summary>
public sealed record MaxPool2dSpec(int Kernel, int Stride = 0) : LayerSpec
{
    /// <summary>The effective stride.</summary>
    public int EffectiveStride => Stride > 0 ? Stride : Kernel;

    /// <inheritdoc/>
    public override Layer Build(Random random) => new MaxPool2dLayer(this);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => PoolShape.Output(this, inputShape, Kernel, EffectiveStride);

    /// <inheritdoc/>
    public override string Describe() => $"maxpool2d {Kernel}x{Kernel}" + (EffectiveStride != Kernel ? $" stride {EffectiveStride}" : "");
}
