namespace SnnConvert.Kernels;

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

}
