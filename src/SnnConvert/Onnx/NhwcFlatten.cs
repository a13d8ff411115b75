using SnnConvert.Errors;

namespace SnnConvert.Onnx;

/// <summary>
/// A Keras <c>Flatten</c> before <c>Dense</c> as tf2onnx exports it: a Transpose with perm [0, 2, 3, 1] of an
/// (N, C, H, W) activation, a flatten (Flatten axis 1 or Reshape to (N, -1)) and a dense layer (Gemm or MatMul),
/// possibly with Dropout or Identity between them. SnnConvert flattens in (C, H, W) order and has no transpose layer,
/// so the import records a plain flatten and reorders the dense layer's input features instead: the product is the same.
/// Any other use of the transposed activation is refused, naming the Transpose.
/// </summary>
internal sealed class NhwcFlatten
{
    /// <summary>The only permutation imported: NCHW to NHWC.</summary>
    public static readonly long[] Perm = [0, 2, 3, 1];

    private NhwcFlatten(OnnxNode transpose, int[] chw)
    {
        Transpose = transpose;
        Chw = chw;
    }

    /// <summary>The Transpose node, named in every refusal.</summary>
    public OnnxNode Transpose { get; }

    /// <summary>The per-sample shape (C, H, W) before the transpose, which the recorded flatten reads.</summary>
    public int[] Chw { get; }

    /// <summary>Whether the flatten has been reached; then only the dense layer may follow.</summary>
    public bool Flattened { get; private set; }

    /// <summary>Checks a Transpose node on an activation of per-sample shape <paramref name="shape"/> and starts the pattern.</summary>
    /// <exception cref="OnnxFormatException">The perm is not [0, 2, 3, 1] or the input is not (N, C, H, W).</exception>
    public static NhwcFlatten Start(OnnxNode transpose, int[] shape)
    {
        transpose.RequireKnownAttributes("perm");
        // Without perm ONNX reverses the axes, which is not NCHW to NHWC either.
        long[]? perm = transpose.Ints("perm");
        if (shape.Length != 3 || perm is null || !perm.SequenceEqual(Perm))
            throw transpose.Error($"{(perm is null ? "no perm (the axes reversed)" : $"perm {OnnxTensorData.Text(perm)}")} on a per-sample {Tensors.Tensor.ShapeToText(shape)} input is not supported; SnnConvert works in NCHW " +
                "and imports a Transpose only as perm [0, 2, 3, 1] of (N, C, H, W) followed by a flatten and a dense layer (a Keras Flatten before Dense)");
        return new NhwcFlatten(transpose, shape);
    }

    /// <summary>The per-sample shape (H, W, C) of the transposed activation, which Shape nodes may measure.</summary>
    public int[] Nhwc => [Chw[1], Chw[2], Chw[0]];

    /// <summary>Refuses <paramref name="node"/> unless it continues the pattern; a flatten marks the pattern flattened.</summary>
    /// <exception cref="OnnxFormatException">The node is not the next step of transpose, flatten, dense.</exception>
    public void Continue(OnnxNode node)
    {
        // Dropout and Identity are the identity at inference, so they may sit anywhere in the pattern.
        if (node.Op is "Dropout" or "Identity") return;
        if (!Flattened && node.Op is "Flatten" or "Reshape")
        {
            Flattened = true;
            return;
        }
        if (Flattened && node.Op is "Gemm" or "MatMul") return;
        throw Refusal($"{node.Describe} follows {(Flattened ? "the flatten" : "it")}");
    }

    /// <summary>The refusal when the pattern is left unfinished, with <paramref name="what"/> saying where it broke.</summary>
    public OnnxFormatException Refusal(string what) =>
        Transpose.Error($"perm [0, 2, 3, 1] is imported only when a flatten (Flatten axis 1 or Reshape to (N, -1)) and then a dense layer " +
            $"(Gemm or MatMul) follow, as a Keras Flatten before Dense exports it; here {what}");

    /// <summary>
    /// Reorders a dense weight (out, H·W·C) whose inputs are in (h, w, c) order to (c, h, w) order:
    /// new[o, c·H·W + h·W + w] = old[o, (h·W + w)·C + c].
    /// </summary>
    public float[] ToChwOrder(float[] weight, int outFeatures)
    {
        int channels = Chw[0], height = Chw[1], width = Chw[2], inFeatures = channels * height * width;
        var reordered = new float[weight.Length];
        for (int o = 0; o < outFeatures; o++)
            for (int c = 0; c < channels; c++)
                for (int h = 0; h < height; h++)
                    for (int w = 0; w < width; w++)
                        reordered[o * inFeatures + (c * height + h) * width + w] = weight[o * inFeatures + (h * width + w) * channels + c];
        return reordered;
    }
}
