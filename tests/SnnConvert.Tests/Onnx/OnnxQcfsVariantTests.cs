using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Tensors;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// The forms of the QCFS activation the importer reads, in both orders (clamp before Floor as the authors' IF module, clamp
/// after Floor as their MyFloor), each imported as one layer and compared with ONNX Runtime. A form whose floating-point
/// operations are those of QcfsLayer.Forward (Div by lambda then Mul by L, in either order of clamp and Floor: inside
/// [0, 1] the same operations, outside exactly 0 or lambda) must agree bit for bit on inputs at and beside every jump of
/// Floor. A form that rounds differently (Mul by 1/lambda, one Mul by L/lambda) can put an input within an ulp of a jump
/// on the other level, so it is compared on inputs at least 0.1 of a level from a jump, to 1e-6 of lambda.
/// </summary>
public sealed class OnnxQcfsVariantTests(ITestOutputHelper output)
{
    public static TheoryData<string> Variants() => new(VariantGraphs.Keys.Order());

    [Theory]
    [MemberData(nameof(Variants))]
    public void QCFS_variant_is_imported_as_one_layer_that_matches_ONNX_Runtime(string variant)
    {
        var (model, levels, lambda, exact) = VariantGraphs[variant]();
        Network net = OnnxImporter.Import(model, "variant.onnx").Network;

        QcfsSpec spec = Assert.Single(net.Architecture.OfType<QcfsSpec>());
        Assert.Equal(levels, spec.Levels);
        Assert.Equal(lambda.Length, spec.Thresholds);
        float[] imported = ((QcfsLayer)net.Layers[net.Architecture.ToList().IndexOf(spec)]).Threshold.Value.Data;
        Assert.Equal(lambda, imported);
        Assert.DoesNotContain(net.Architecture, s => s is not (QcfsSpec or AvgPool2dSpec or FlattenSpec or Conv2dSpec));

        bool perFeature = spec.Thresholds > 1 && net.Architecture[0] is FlattenSpec;
        Tensor input = exact ? QcfsOrtCheck.AtSteps(8, net.InputShape, levels, lambda, perFeature, seed: 41) : AwayFromSteps(net.InputShape, levels, lambda, perFeature);
        float[] expected = OnnxReference.Run(model, input), actual = net.Forward(input, ForwardContext.Eval).Data;
        string result;
        if (exact)
        {
            QcfsOrtCheck.AssertBitwise(expected, actual, variant);
            result = $"bit for bit at and beside the jumps ({QcfsOrtCheck.OrderSensitive(input, levels, lambda, perFeature)} elements order-sensitive)";
        }
        else
        {
            double diff = expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();
            Assert.True(diff <= 1e-6 * lambda.Max(), $"{variant}: max |diff| {diff:G3}");
            result = $"max |diff| {diff:G3} away from the jumps";
        }
        // Every level 0..L is reached (the clip at both ends included), so the comparison covers the whole activation.
        int features = expected.Length / input.Dim(0), plane = features / lambda.Length;
        var reached = expected.Select((v, e) => (int)Math.Round(v * levels / lambda[lambda.Length == 1 ? 0 : e % features / plane])).ToHashSet();
        Assert.Equal(Enumerable.Range(0, levels + 1), reached.Order());
        output.WriteLine($"{variant}: L = {levels}, {spec.Thresholds} threshold(s), vs ONNX Runtime {result}");
    }

    // Inputs whose z L / lambda lies in k + [-0.4, 0.4] for whole numbers k from -2 to L + 2: every level, both clips, no jump nearby.
    private static Tensor AwayFromSteps(int[] shape, int levels, float[] lambda, bool perFeature)
    {
        var random = new Random(41);
        var t = new Tensor([4, .. shape]);
        int channels = shape[0], plane = t.Length / (4 * channels);
        for (int e = 0; e < t.Length; e++)
        {
            int c = lambda.Length == 1 ? 0 : perFeature ? e % (t.Length / 4) : e / plane % channels;
            double u = random.Next(-2, levels + 3) + (random.NextDouble() - 0.5) * 0.8;
            t.Data[e] = (float)(u * lambda[c] / levels);
        }
        return t;
    }

    // Each variant: x (N, 3, 4, 4), AveragePool 1x1 (the identity, so that the pattern follows a layer), the pattern, Flatten;
    // or Flatten first and the pattern on (N, 48). Returns the model, L, the thresholds lambda it encodes, and whether its
    // float operations are those of QcfsLayer.Forward.
    private static readonly Dictionary<string, Func<(byte[] Model, int Levels, float[] Lambda, bool Exact)>> VariantGraphs = new()
    {
        // Clamp before Floor (the authors' IF).
        ["clamp first: IF's form, opset 13, Constant nodes, lambda (1)"] = () => Image(13, [0.6f], [1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Node("Clip", [g.Node("Div", [x, up]), g.Constant([0f]), g.Constant([1f])]), g.Constant([4f])]);
            return g.Node("Mul", [g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([4f])]), up]);
        }, 4, exact: true),
        ["clamp first: IF's form, opset 9, Clip attributes, lambda (C, 1, 1), L through Identity"] = () => Image(9, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) =>
        {
            string levels = g.Node("Identity", [g.Init("L", [], values: [8f])]);
            x = g.Node("Mul", [g.Node("Clip", [g.Node("Div", [x, up])], Float("min", 0f), Float("max", 1f)), levels]);
            return g.Node("Mul", [g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Init("half", [], values: [0.5f])])]), levels]), up]);
        }, 8, exact: true),
        ["clamp first: Max 0 then Min 1, lambda (1, C, 1, 1)"] = () => Image(11, [0.5f, 0.8f, 1.3f], [1, 3, 1, 1], (g, x, up) =>
            ClampFirst(g, x, up, 5, (g, y) => g.Node("Min", [g.Node("Max", [y, g.Constant([0f])]), g.Constant([1f])])), 5, exact: true),
        ["clamp first: Min 1 then Relu"] = () => Image(13, [0.7f], [], (g, x, up) =>
            ClampFirst(g, x, up, 3, (g, y) => g.Node("Relu", [g.Node("Min", [y, g.Constant([1f])])])), 3, exact: true),
        ["clamp first: Mul by 1 / lambda, constants first, Clip(0, 1), lambda (C, 1, 1)"] = () => Image(13, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Init("inv", [3, 1, 1], values: [2f, 1.25f, 1 / 1.3f]), x]);
            x = g.Node("Mul", [g.Constant([6f]), g.Node("Clip", [x, g.Constant([0f]), g.Constant([1f])])]);
            return g.Node("Mul", [up, g.Node("Div", [g.Node("Floor", [g.Node("Add", [g.Constant([0.5f]), x])]), g.Constant([6f])])]);
        }, 6, exact: false),
        ["clamp first: Relu and Min lambda right after the layer, one Mul by L / lambda, one by lambda / L, per channel"] = () => Image(13, [0.5f, 0.8f, 1.25f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Min", [g.Node("Relu", [x]), up]);
            x = g.Node("Floor", [g.Node("Add", [g.Node("Mul", [x, g.Init("s", [3, 1, 1], values: [8f, 5f, 3.2f])]), g.Constant([0.5f])])]);
            return g.Node("Mul", [x, g.Init("t", [3, 1, 1], values: [0.125f, 0.2f, 0.3125f])]);
        }, 4, exact: false),
        ["clamp first: Clip(0, L) after the Mul by L"] = () => Image(13, [0.9f], [1], (g, x, up) =>
        {
            x = g.Node("Clip", [g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([6f])]), g.Constant([0f]), g.Constant([6f])]);
            return g.Node("Mul", [g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([6f])]), up]);
        }, 6, exact: true),
        ["clamp first: on (N, F) after Flatten, lambda (F)"] = () => Features([48], 4, clampFirst: true),

        // Clamp after Floor (the authors' MyFloor, and SnnConvert's export before the change of order).
        ["clamp after Floor: MyFloor's form, opset 13, Constant nodes, lambda (1)"] = () => Image(13, [0.6f], [1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([4f])]);
            x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([4f])]);
            return g.Node("Mul", [g.Node("Clip", [x, g.Constant([0f]), g.Constant([1f])]), up]);
        }, 4, exact: true),
        ["clamp after Floor: MyFloor's form, opset 9, Clip attributes, lambda (C, 1, 1)"] = () => Image(9, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Node("Div", [x, up]), g.Init("L", [], values: [8f])]);
            x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Init("half", [], values: [0.5f])])]), "L"]);
            return g.Node("Mul", [g.Node("Clip", [x], Float("min", 0f), Float("max", 1f)), up]);
        }, 8, exact: true),
        ["clamp after Floor: Mul by 1 / lambda, constants first, opset 11, lambda (1, C, 1, 1)"] = () => Image(11, [0.5f, 0.8f, 1.3f], [1, 3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Init("inv", [1, 3, 1, 1], values: [2f, 1.25f, 1 / 1.3f]), x]);
            x = g.Node("Mul", [g.Init("L", [1], values: [3f]), x]);
            x = g.Node("Mul", [g.Init("invL", [], values: [1 / 3f]), g.Node("Floor", [g.Node("Add", [g.Init("half", [], values: [0.5f]), x])])]);
            return g.Node("Mul", [up, g.Node("Clip", [x, g.Init("lo", [], values: [0f]), g.Init("hi", [], values: [1f])])]);
        }, 3, exact: false),
        ["clamp after Floor: Max 0 then Min 1"] = () => Image(13, [0.7f], [], (g, x, up) => ClampAfter(g, x, up, 5, (g, y) => g.Node("Min", [g.Node("Max", [y, g.Constant([0f])]), g.Constant([1f])])), 5, exact: true),
        ["clamp after Floor: Min 1 then Max 0"] = () => Image(13, [0.7f], [], (g, x, up) => ClampAfter(g, x, up, 5, (g, y) => g.Node("Max", [g.Node("Min", [y, g.Constant([1f])]), g.Constant([0f])])), 5, exact: true),
        ["clamp after Floor: Relu then Min 1, lambda (C, 1, 1)"] = () => Image(13, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) => ClampAfter(g, x, up, 2, (g, y) => g.Node("Min", [g.Node("Relu", [y]), g.Constant([1f])])), 2, exact: true),
        ["clamp after Floor: Clip(0, L) before the division by L"] = () => Image(13, [0.9f], [1], (g, x, up) =>
        {
            x = g.Node("Floor", [g.Node("Add", [g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([6f])]), g.Constant([0.5f])])]);
            x = g.Node("Clip", [x, g.Constant([0f]), g.Constant([6f])]);
            return g.Node("Mul", [g.Node("Div", [x, g.Constant([6f])]), up]);
        }, 6, exact: true),
        ["clamp after Floor: one Mul by L / lambda, Clip(0, L), one Mul by lambda / L, per channel"] = () => Image(13, [0.5f, 0.8f, 1.25f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Floor", [g.Node("Add", [g.Node("Mul", [x, g.Init("s", [3, 1, 1], values: [8f, 5f, 3.2f])]), g.Constant([0.5f])])]);
            return g.Node("Mul", [g.Node("Clip", [x, g.Constant([0f]), g.Constant([4f])]), g.Init("t", [3, 1, 1], values: [0.125f, 0.2f, 0.3125f])]);
        }, 4, exact: false),
        ["clamp after Floor: on (N, F) after Flatten, lambda (F)"] = () => Features([48], 4, clampFirst: false),
        ["clamp after Floor: on (N, F) after Flatten, lambda (1, F)"] = () => Features([1, 48], 3, clampFirst: false),
        ["clamp after Floor: lambda = L, no scaling, the Add of 1/2 right after a conv with bias (not its bias)"] = () =>
        {
            // A 1x1 identity convolution with zero bias, so the activation reaching the pattern is the input itself.
            var g = new TestGraph([null, 3, 4, 4]);
            float[] identity = Enumerable.Range(0, 9).Select(i => i % 4 == 0 ? 1f : 0f).ToArray();
            string x = g.Node("Conv", ["x", g.Init("w", [3, 3, 1, 1], values: identity), g.Init("b", [3], values: [0f, 0f, 0f])], Ints("kernel_shape", 1, 1));
            x = g.Node("Clip", [g.Node("Floor", [g.Node("Add", [x, g.Init("half", [], values: [0.5f])])]), g.Constant([0f]), g.Constant([4f])]);
            return (g.Build(g.Node("Flatten", [x]), [null, 48]), 4, [4f], true);
        },
    };

    // Div by lambda, the bounds, Mul by L, Add 1/2, Floor, Div by L, Mul by lambda.
    private static string ClampFirst(TestGraph g, string x, string up, int levels, Func<TestGraph, string, string> bound)
    {
        x = g.Node("Mul", [bound(g, g.Node("Div", [x, up])), g.Constant([levels])]);
        return g.Node("Mul", [g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([levels])]), up]);
    }

    // Div by lambda, Mul by L, Add 1/2, Floor, Div by L, the bounds, Mul by lambda.
    private static string ClampAfter(TestGraph g, string x, string up, int levels, Func<TestGraph, string, string> bound)
    {
        x = g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([levels])]);
        x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([levels])]);
        return g.Node("Mul", [bound(g, x), up]);
    }

    private static (byte[], int, float[], bool) Image(int opset, float[] lambda, long[] dims, Func<TestGraph, string, string, string> pattern, int levels, bool exact)
    {
        var g = new TestGraph([null, 3, 4, 4], opset);
        string x = g.Node("AveragePool", ["x"], Ints("kernel_shape", 1, 1));
        x = pattern(g, x, g.Init("up", dims, values: lambda));
        return (g.Build(g.Node("Flatten", [x]), [null, 48]), levels, lambda, exact);
    }

    private static (byte[], int, float[], bool) Features(long[] dims, int levels, bool clampFirst)
    {
        var g = new TestGraph([null, 3, 4, 4]);
        float[] lambda = Enumerable.Range(0, 48).Select(f => 0.4f + 0.05f * f).ToArray();
        string x = g.Node("Flatten", ["x"]), up = g.Init("up", dims, values: lambda);
        Func<TestGraph, string, string> clip = (g, y) => g.Node("Clip", [y, g.Constant([0f]), g.Constant([1f])]);
        x = clampFirst ? ClampFirst(g, x, up, levels, clip) : ClampAfter(g, x, up, levels, clip);
        return (g.Build(x, [null, 48]), levels, lambda, true);
    }
}
