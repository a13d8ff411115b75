using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>Every supported operator alone (followed by Flatten where the output must become (N, K)), imported and run against ONNX Runtime.</summary>
public sealed class OnnxOperatorTests(ITestOutputHelper output)
{
    private static readonly long?[] Image = [null, 2, 9, 9];

    /// <summary>A graph builder per case: returns the model bytes and the per-sample input shape.</summary>
    private static readonly Dictionary<string, Func<(byte[] Model, int[] Shape)>> Cases = new()
    {
        ["Conv with bias, stride 2, pads 1"] = () => Flat(g => g.Node("Conv", ["x", g.Init("w", [3, 2, 3, 3]), g.Init("b", [3])],
            Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1)), 3 * 5 * 5),
        ["Conv without bias or pads, typed float_data"] = () => Flat(g => g.Node("Conv", ["x", g.InitTyped("w", [4, 2, 5, 5])]), 4 * 5 * 5),
        ["Conv auto_pad SAME_UPPER"] = () => Flat(g => g.Node("Conv", ["x", g.Init("w", [2, 2, 3, 3])], Text("auto_pad", "SAME_UPPER")), 2 * 9 * 9),
        ["Relu"] = () => Flat(g => g.Node("Relu", [g.Node("Sub", ["x", g.Init("half", [1], values: [0.5f])])]), 2 * 81),
        ["AveragePool 2x2"] = () => Flat(g => g.Node("AveragePool", ["x"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)), 2 * 4 * 4),
        ["AveragePool 3x3 stride 1, explicit zero pads"] = () => Flat(g => g.Node("AveragePool", ["x"], Ints("kernel_shape", 3, 3), Ints("pads", 0, 0, 0, 0)), 2 * 7 * 7),
        ["Pad of zeros then AveragePool (PyTorch opset 11)"] = () => Flat(g => g.Node("AveragePool",
            [g.Node("Pad", ["x", g.InitInt64("pads", 0, 0, 0, 0, 0, 0, 0, 0)], Text("mode", "constant"))], Ints("kernel_shape", 3, 3), Ints("strides", 3, 3)), 2 * 3 * 3),
        ["MaxPool 2x2"] = () => Flat(g => g.Node("MaxPool", ["x"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)), 2 * 4 * 4),
        ["MaxPool 3x3 stride 2, ceil_mode on tiling windows"] = () => Flat(g => g.Node("MaxPool", ["x"], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Int("ceil_mode", 1)), 2 * 4 * 4),
        ["GlobalAveragePool"] = () => Flat(g => g.Node("GlobalAveragePool", ["x"]), 2),
        ["BatchNormalization (N, C, H, W)"] = () => Flat(g => g.Node("BatchNormalization",
            ["x", g.Init("s", [2], offset: 1f), g.Init("b", [2]), g.Init("m", [2]), g.Init("v", [2], 0.3f, offset: 0.6f)], Float("epsilon", 1e-3f)), 2 * 81),
        ["Flatten axis 1"] = () => Flat(_ => "x", 2 * 81),
        ["Flatten axis -3"] = () => Build(g => g.Node("Flatten", ["x"], Int("axis", -3)), 2 * 81),
        ["Reshape constant [0, -1]"] = () => Build(g => g.Node("Reshape", ["x", g.InitInt64("shape", 0, -1)]), 2 * 81),
        ["Reshape constant [-1, 162] (opset 18, allowzero 0)"] = () => Build(g => g.Node("Reshape", ["x", g.InitInt64("shape", -1, 162)], Int("allowzero", 0)), 2 * 81, opset: 18),
        ["Reshape from Shape, Gather, Unsqueeze, Concat (x.view(x.size(0), -1))"] = () => Build(g =>
        {
            string n = g.Node("Gather", [g.Node("Shape", ["x"]), g.InitInt64Scalar("zero", 0)], Int("axis", 0));
            string shape = g.Node("Concat", [g.Node("Unsqueeze", [n, g.InitInt64("axes", 0)]), g.InitInt64("minus1", -1)], Int("axis", 0));
            return g.Node("Reshape", ["x", shape]);
        }, 2 * 81),
        ["Reshape from Shape at opset 9 (Unsqueeze axes attribute)"] = () => Build(g =>
        {
            string n = g.Node("Gather", [g.Node("Shape", ["x"]), g.InitInt64Scalar("zero", 0)], Int("axis", 0));
            string shape = g.Node("Concat", [g.Node("Unsqueeze", [n], Ints("axes", 0)), g.InitInt64("minus1", -1)], Int("axis", 0));
            return g.Node("Reshape", ["x", shape]);
        }, 2 * 81, opset: 9),
        ["Gemm transB 1 with bias"] = () => Dense(g => g.Node("Gemm", [Flatten(g), g.Init("w", [5, 162]), g.Init("b", [5])], Int("transB", 1))),
        ["Gemm transB 0, bias (1, out)"] = () => Dense(g => g.Node("Gemm", [Flatten(g), g.Init("w", [162, 5]), g.Init("b", [1, 5])], Float("alpha", 1f), Float("beta", 1f))),
        ["Gemm without bias"] = () => Dense(g => g.Node("Gemm", [Flatten(g), g.Init("w", [5, 162])], Int("transB", 1))),
        ["MatMul + Add"] = () => Dense(g => g.Node("Add", [g.Node("MatMul", [Flatten(g), g.Init("w", [162, 5])]), g.Init("b", [5])])),
        ["MatMul + Add with the bias first"] = () => Dense(g => g.Node("Add", [g.Init("b", [5]), g.Node("MatMul", [Flatten(g), g.Init("w", [162, 5])])])),
        ["MatMul alone"] = () => Dense(g => g.Node("MatMul", [Flatten(g), g.Init("w", [162, 5])])),
        ["BatchNormalization (N, F) after Gemm"] = () => Dense(g => g.Node("BatchNormalization",
            [g.Node("Gemm", [Flatten(g), g.Init("w", [5, 162])], Int("transB", 1)), g.Init("s", [5], offset: 1f), g.Init("b", [5]), g.Init("m", [5]), g.Init("v", [5], 0.3f, offset: 0.6f)])),
        ["Dropout (opset 13: ratio and training_mode inputs) and Identity"] = () => Flat(g => g.Node("Identity",
            [g.Node("Dropout", ["x", g.Init("ratio", [], values: [0.5f]), g.InitBool("training", false)])]), 2 * 81),
        ["Dropout (opset 9: ratio attribute, unused mask)"] = () => Flat(g => g.NodeWithOutputs("Dropout", ["x"], 2, Float("ratio", 0.3f))[0], 2 * 81, opset: 9),
        ["Sub then Div by (1, C, 1, 1) constants: normalisation"] = () => Flat(g => g.Node("Div",
            [g.Node("Sub", ["x", g.Init("mean", [1, 2, 1, 1], values: [0.3f, 0.6f])]), g.Init("std", [1, 2, 1, 1], values: [0.2f, 0.5f])]), 2 * 81),
        ["Div then Sub, Constant nodes of shape (C, 1, 1)"] = () => Flat(g => g.Node("Sub",
            [g.Node("Div", ["x", g.Constant([0.25f, 0.4f], 2, 1, 1)]), g.Constant([1.5f, -0.5f], 2, 1, 1)]), 2 * 81),
        ["Sub only"] = () => Flat(g => g.Node("Sub", ["x", g.Init("mean", [1, 2, 1, 1], values: [0.5f, 0.25f])]), 2 * 81),
        ["Div only, by a scalar"] = () => Flat(g => g.Node("Div", ["x", g.Init("std", [], values: [0.3f])]), 2 * 81),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Fact]
    public void ONNX_Runtime_loads_and_runs_a_trivial_model()
    {
        var g = new TestGraph([null, 3]);
        byte[] model = g.Build(g.Node("Relu", ["x"]), [null, 3]);
        var input = new SnnConvert.Tensors.Tensor([-1f, 0.5f, 2f], 1, 3);
        Assert.Equal([0f, 0.5f, 2f], OnnxReference.Run(model, input));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Operator_matches_ONNX_Runtime(string name)
    {
        var (model, shape) = Cases[name]();
        SavedModel imported = OnnxImporter.Import(model, "op.onnx");
        var input = OnnxReference.RandomImages(3, shape, seed: name.Length);
        string diff = OnnxReference.AssertMatches(imported.Network, model, input, name);
        output.WriteLine($"{name}: {diff}; layers: {string.Join(", ", imported.Network.Architecture.Select(s => s.Describe()))}");
    }

    [Fact]
    public void Normalisation_becomes_one_normalize_layer_with_the_graphs_mean_and_std()
    {
        var (model, _) = Cases["Div then Sub, Constant nodes of shape (C, 1, 1)"]();
        var norm = Assert.IsType<NormalizeSpec>(OnnxImporter.Import(model, "n.onnx").Network.Architecture[0]);
        // x / s - m = (x - m s) / s
        Assert.Equal([1.5f * 0.25f, -0.5f * 0.4f], norm.Mean, new FloatTolerance(1e-6f));
        Assert.Equal([0.25f, 0.4f], norm.Std, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void A_fixed_batch_of_one_and_a_reshape_to_one_by_minus_one_import_as_flatten()
    {
        var g = new TestGraph([1, 2, 9, 9]);
        string flat = g.Node("Reshape", ["x", g.InitInt64("shape", 1, -1)]);
        byte[] model = g.Build(g.Node("Gemm", [flat, g.Init("w", [4, 162]), g.Init("b", [4])], Int("transB", 1)), [1, 4]);
        Network net = OnnxImporter.Import(model, "b1.onnx").Network;
        Assert.Equal([typeof(FlattenSpec), typeof(LinearSpec)], net.Architecture.Select(s => s.GetType()));
        OnnxReference.AssertMatches(net, model, OnnxReference.RandomImages(1, [2, 9, 9], 4), "batch 1");
    }

    [Fact]
    public void Imported_model_has_numbered_classes_and_the_given_dataset()
    {
        var (model, _) = Cases["Gemm transB 1 with bias"]();
        SavedModel imported = OnnxImporter.Import(model, "/tmp/some/dense.onnx", "mnist");
        Assert.Equal(["0", "1", "2", "3", "4"], imported.ClassNames);
        Assert.Equal("mnist", imported.Dataset);
        Assert.Equal("dense", imported.Network.Name);
        Assert.Null(OnnxImporter.Import(model, "dense.onnx").Dataset);
    }

    private static string Flatten(TestGraph g) => g.Node("Flatten", ["x"], Int("axis", 1));

    // The node built by `body` followed by Flatten, output (N, features).
    private static (byte[], int[]) Flat(Func<TestGraph, string> body, long features, int opset = 13)
    {
        var g = new TestGraph(Image, opset);
        string y = body(g);
        return (g.Build(g.Node("Flatten", [y], Int("axis", 1)), [null, features]), [2, 9, 9]);
    }

    private static (byte[], int[]) Build(Func<TestGraph, string> body, long features, int opset = 13)
    {
        var g = new TestGraph(Image, opset);
        return (g.Build(body(g), [null, features]), [2, 9, 9]);
    }

    private static (byte[], int[]) Dense(Func<TestGraph, string> body) => Build(body, 5);

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
