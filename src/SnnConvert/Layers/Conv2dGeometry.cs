namespace SnnConvert.Layers;

/// <summary>Sizes of one convolution: input (C, H, W), kernel K, stride, padding, output (Cout, Ho, Wo).</summary>
public readonly record struct Conv2dGeometry(int C, int H, int W, int Cout, int K, int Stride, int Pad, int Ho, int Wo)
{
    /// <summary>Values per input image, C*H*W.</summary>
    public int InputSize => C * H * W;
    /// <summary>Values per output image, Cout*Ho*Wo.</summary>
    public int OutputSize => Cout * Ho * Wo;
    /// <summary>Rows of the column matrix, C*K*K.</summary>
    public int PatchSize => C * K * K;
    /// <summary>Output positions per channel, Ho*Wo.</summary>
    public int Positions => Ho * Wo;

    /// <summary>The geometry of <paramref name="spec"/> applied to an input of (C, H, W) = <paramref name="inputShape"/>.</summary>
    public static Conv2dGeometry Of(Conv2dSpec spec, ReadOnlySpan<int> inputShape)
    {
        int[] o = spec.OutputShape(inputShape.ToArray());
        return new(inputShape[0], inputShape[1], inputShape[2], o[0], spec.Kernel, spec.Stride, spec.Padding, o[1], o[2]);
    }
}
