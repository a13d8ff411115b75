using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// The Keras flatten that tf2onnx exports (Transpose perm [0, 2, 3, 1], flatten, dense): imported as a plain flatten with
/// the dense inputs reordered, checked against ONNX Runtime; any other Transpose is refused naming it.
/// </summary>
public sealed class OnnxNhwcFlattenTests(ITestOutputHelper output)
{
    // Non-square so that swapping H and W in the reordering would show.
    private static readonly long?[] Image = [null, 2, 7, 9];
    private const int Channels = 3, Features = Channels * 7 * 9, Classes = 5;

    /// <summary>A graph builder per case: conv, relu, transpose to NHWC, then the flatten and dense layer that `tail` adds.</summary>
    private static readonly Dictionary<string, Func<byte[]>> Cases = new()
    {
        ["Flatten, Gemm transB 1"] = () => Build((g, y) =>
            g.Node("Gemm", [g.Node("Flatten", [y], Int("axis", 1)), g.Init("w", [Classes, Features]), g.Init("b", [Classes])], Int("transB", 1))),
        ["Flatten, Dropout, Gemm transB 0"] = () => Build((g, y) =>
            g.Node("Gemm", [g.NodeWithOutputs("Dropout", [g.Node("Flatten", [y])], 2, Float("ratio", 0.5f))[0], g.Init("w", [Features, Classes]), g.Init("b", [Classes])]), opset: 11),
        ["Reshape [0, -1], MatMul + Add"] = () => Build((g, y) =>
            g.Node("Add", [g.Node("MatMul", [g.Node("Reshape", [y, g.InitInt64("shape", 0, -1)]), g.Init("w", [Features, Classes])]), g.Init("b", [Classes])])),
        ["Reshape from Shape of the transposed tensor, Identity, MatMul + Add"] = () => Build((g, y) =>
        {
            string n = g.Node("Gather", [g.Node("Shape", [y]), g.InitInt64Scalar("zero", 0)], Int("axis", 0));
            string shape = g.Node("Concat", [g.Node("Unsqueeze", [n, g.InitInt64("axes", 0)]), g.InitInt64("minus1", -1)], Int("axis", 0));
            string flat = g.Node("Identity", [g.Node("Reshape", [y, shape])]);
            return g.Node("Add", [g.Node("MatMul", [flat, g.Init("w", [Features, Classes])]), g.Init("b", [Classes])]);
        }),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Keras_flatten_matches_ONNX_Runtime(string name)
    {
        byte[] model = Cases[name]();
        Network net = OnnxImporter.Import(model, "keras.onnx").Network;
        Assert.Equal([typeof(Conv2dSpec), typeof(ReluSpec), typeof(FlattenSpec), typeof(LinearSpec)], net.Architecture.Select(s => s.GetType()));
        string diff = OnnxReference.AssertMatches(net, model, OnnxReference.RandomImages(4, [2, 7, 9], seed: name.Length), name);
        output.WriteLine($"{name}: {diff}");
    }

    [Theory]
    [InlineData(new long[] { 0, 3, 1, 2 })]
    [InlineData(new long[] { 0, 1, 3, 2 })]
    [InlineData(new long[0])]
    public void Other_permutations_are_refused_naming_the_node(long[] perm)
    {
        // After a layer: perm [0, 3, 1, 2] right at the input is an NHWC input's (OnnxRealExportTests).
        string message = Refuse(g =>
        {
            string r = g.Node("Relu", ["x"]);
            string y = perm.Length > 0 ? g.Node("Transpose", [r], Ints("perm", perm)) : g.Node("Transpose", [r]);
            return g.Node("Gemm", [g.Node("Flatten", [y]), g.Init("w", [Classes, 2 * 7 * 9])], Int("transB", 1));
        });
        Assert.Contains("node \"transpose_1\" (Transpose)", message);
        Assert.Contains(perm.Length > 0 ? $"perm {OnnxTensorData.Text(perm)}" : "no perm", message);
    }

    [Fact]
    public void Transpose_not_followed_by_flatten_is_refused_naming_both_nodes()
    {
        string message = Refuse(g =>
        {
            string y = g.Node("Relu", [g.Node("Transpose", ["x"], Ints("perm", NhwcFlatten.Perm))]);
            return g.Node("Gemm", [g.Node("Flatten", [y]), g.Init("w", [Classes, 2 * 7 * 9])], Int("transB", 1));
        });
        Assert.Contains("node \"transpose_0\" (Transpose)", message);
        Assert.Contains("node \"relu_1\" (Relu) follows it", message);
    }

    [Fact]
    public void Flatten_not_followed_by_a_dense_layer_is_refused_naming_the_transpose()
    {
        string message = Refuse(g =>
        {
            string flat = g.Node("Flatten", [g.Node("Transpose", ["x"], Ints("perm", NhwcFlatten.Perm))]);
            return g.Node("Gemm", [g.Node("Relu", [flat]), g.Init("w", [Classes, 2 * 7 * 9])], Int("transB", 1));
        });
        Assert.Contains("node \"transpose_0\" (Transpose)", message);
        Assert.Contains("node \"relu_2\" (Relu) follows the flatten", message);
    }

    [Fact]
    public void Transpose_and_flatten_at_the_output_are_refused_naming_the_transpose()
    {
        var g = new TestGraph(Image);
        byte[] model = g.Build(g.Node("Flatten", [g.Node("Transpose", ["x"], Ints("perm", NhwcFlatten.Perm))]), [null, 2 * 7 * 9]);
        string message = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "bad.onnx")).Message;
        output.WriteLine(message);
        Assert.Contains("node \"transpose_0\" (Transpose)", message);
        Assert.Contains("the chain ends at the graph output", message);
    }

    // Conv (2 -> 3 channels, same size), Relu, Transpose to NHWC, then `tail`, output (N, 5).
    private static byte[] Build(Func<TestGraph, string, string> tail, int opset = 13)
    {
        var g = new TestGraph(Image, opset, seed: 7);
        string conv = g.Node("Conv", ["x", g.Init("cw", [Channels, 2, 3, 3]), g.Init("cb", [Channels])], Ints("pads", 1, 1, 1, 1));
        string nhwc = g.Node("Transpose", [g.Node("Relu", [conv])], Ints("perm", NhwcFlatten.Perm));
        return g.Build(tail(g, nhwc), [null, Classes]);
    }

    private string Refuse(Func<TestGraph, string> body)
    {
        var g = new TestGraph(Image);
        byte[] model = g.Build(body(g), [null, Classes]);
        string message = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "bad.onnx")).Message;
        output.WriteLine(message);
        return message;
    }
}
