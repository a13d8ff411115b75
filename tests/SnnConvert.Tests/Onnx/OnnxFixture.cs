using SnnConvert.Onnx.Proto;
using SnnConvert.Tensors;

namespace SnnConvert.Tests.Onnx;

/// <summary>What a fixture file declares, read with the generated protobuf classes, so ONNX Runtime can be fed in the file's own layout.</summary>
internal static class OnnxFixture
{
    /// <summary>The declared batch (null when symbolic), the declared per-sample input shape and the operator producing <paramref name="output"/>.</summary>
    public static (int? Batch, long[] PerSample, string? OutputOp) Describe(string path, string output)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet();
        ValueInfoProto input = model.Graph.Input.Single(i => !initializers.Contains(i.Name));
        var dims = input.Type.TensorType.Shape.Dim;
        int? batch = dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? (int)dims[0].DimValue : null;
        string? op = model.Graph.Node.FirstOrDefault(n => n.Output.Contains(output))?.OpType;
        return (batch, dims.Skip(1).Select(d => d.DimValue).ToArray(), op);
    }

    /// <summary>
    /// The (N, C, H, W) images laid out as the file's input: transposed to (N, H, W, C) when it declares (H, W, C) with C &gt; 1,
    /// else the same values (a reshape: (H, W, 1), (H, W) and flat inputs hold the pixels in the same order).
    /// </summary>
    public static Tensor ToDeclaredLayout(Tensor nchw, long[] declared)
    {
        int n = nchw.Shape[0], c = nchw.Shape[1], h = nchw.Shape[2], w = nchw.Shape[3];
        if (!(declared.Length == 3 && declared[2] == c && c > 1 && declared[0] == h && declared[1] == w)) return nchw;
        var nhwc = new Tensor([n, h, w, c]);
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        nhwc.Data[((b * h + y) * w + x) * c + ch] = nchw.Data[((b * c + ch) * h + y) * w + x];
        return nhwc;
    }
}
