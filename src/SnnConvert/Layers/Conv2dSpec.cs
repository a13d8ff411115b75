using SnnConvert.Kernels;

namespace SnnConvert.Layers;

/// <summary>2-D convolution, square kernel, group 1. Weight shape (OutChannels, InChannels, Kernel, Kernel).</summary>
public sealed record Conv2dSpec(int InChannels, int OutChannels, int Kernel, int Stride = 1, int Padding = 0, bool Bias = false) : LayerSpec
{
    /// <inheritdoc/>
    public override Layer Build(Random random) => new Conv2dLayer(this, random);

    /// <summary>The geometry of this convolution applied to an input of (C, H, W) = <paramref name="inputShape"/>.</summary>
    public Conv2dGeometry Geometry(ReadOnlySpan<int> inputShape)
    {
        int[] o = OutputShape(inputShape.ToArray());
        return new(inputShape[0], inputShape[1], inputShape[2], o[0], Kernel, Stride, Padding, o[1], o[2]);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        if (InChannels <= 0 || OutChannels <= 0 || Kernel <= 0 || Stride <= 0 || Padding < 0)
            throw new ArgumentException($"{Describe()}: channels, kernel and stride must be positive and padding must not be negative");
        if (inputShape.Length != 3 || inputShape[0] != InChannels) throw ShapeError(inputShape, $"({InChannels}, H, W)");
        int ho = (inputShape[1] + 2 * Padding - Kernel) / Stride + 1, wo = (inputShape[2] + 2 * Padding - Kernel) / Stride + 1;
        if (ho <= 0 || wo <= 0) throw ShapeError(inputShape, $"a spatial size of at least {Kernel - 2 * Padding}");
        return [OutChannels, ho, wo];
    }

    /// <inheritdoc/>
    public override long Macs(int[] inputShape)
    {
        int[] o = OutputShape(inputShape);
        return (long)o[0] * o[1] * o[2] * InChannels * Kernel * Kernel;
    }

    /// <inheritdoc/>
    public override long ParameterCount => (long)OutChannels * InChannels * Kernel * Kernel + (Bias ? OutChannels : 0);

    /// <inheritdoc/>
    public override string Describe() =>
        $"conv2d {InChannels}->{OutChannels} {Kernel}x{Kernel}" + (Stride != 1 ? $" stride {Stride}" : "") +
        (Padding != 0 ? $" pad {Padding}" : "") + (Bias ? " +bias" : "");
}
