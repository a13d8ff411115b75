using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Onnx.Proto;
using SnnConvert.Tensors;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// The QCFS activation through ONNX: export as the authors' PyTorch code writes it (Div, Mul, Add, Floor, Div, Clip,
/// Mul), import of that pattern and its variants, PyTorch-exported fixtures, and the round trip, against ONNX Runtime.
/// Floor makes the activation jump: where z L / lambda + 1/2 lies within rounding of a whole number, ONNX Runtime's
/// (z / lambda) L and our z (L / lambda) may round to different sides. The variant tests therefore place every input
/// at least 0.1 of a step from a jump (outputs then agree to a few ulps); the whole-network tests compare each QCFS
/// output element by element, counting the elements within 1e-4 of a step apart, and require all others to agree.
/// </summary>
public sealed class OnnxQcfsTests(ITestOutputHelper output)
{
    private static readonly string[] AuthorsOps = ["Div", "Mul", "Add", "Floor", "Div", "Clip", "Mul"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exported_QCFS_network_computes_in_ONNX_Runtime_what_SnnConvert_computes_and_imports_back(bool perChannel)
    {
        Network net = QcfsNetwork(perChannel, levels: 4);
        byte[] model = OnnxExporter.ToBytes(net);

        // The activation is written in the authors' seven operators, with lambda (1), (C, 1, 1) or (F).
        ModelProto proto = ModelProto.Parser.ParseFrom(model);
        Assert.Equal(AuthorsOps, proto.Graph.Node.Where(n => n.Name.StartsWith("1.")).Select(n => n.OpType));
        Assert.Equal(AuthorsOps, proto.Graph.Node.Where(n => n.Name.StartsWith("5.")).Select(n => n.OpType));
        Assert.Equal(perChannel ? [4L, 1, 1] : [1L], proto.Graph.Initializer.Single(t => t.Name == "1.threshold").Dims);
        Assert.Equal(perChannel ? [16L] : [1L], proto.Graph.Initializer.Single(t => t.Name == "5.threshold").Dims);

        var input = OnnxReference.RandomImages(8, net.InputShape, seed: 21);
        var (expected, boundary) = CompareLayerByLayer(net, model, input, [1, 5]);
        output.WriteLine($"per {(perChannel ? "channel" : "layer")}: {boundary} QCFS elements within 1e-4 of a step left out, all others equal; logits {expected}");

        // Import gives the same layers, the same thresholds bit for bit, and so the same outputs bit for bit.
        Network imported = OnnxImporter.Import(model, "qcfs.onnx").Network;
        Assert.Equal(net.Architecture, imported.Architecture);
        foreach (int i in new[] { 1, 5 })
            Assert.Equal(((QcfsLayer)net.Layers[i]).Threshold.Value.Data, ((QcfsLayer)imported.Layers[i]).Threshold.Value.Data);
        Assert.Equal(net.Forward(input, ForwardContext.Eval).Data, imported.Forward(input, ForwardContext.Eval).Data);
    }

    public static TheoryData<string> Variants() => new(VariantGraphs.Keys.Order());

    [Theory]
    [MemberData(nameof(Variants))]
    public void QCFS_variant_is_imported_as_one_layer_that_matches_ONNX_Runtime(string variant)
    {
        var (model, levels, lambda) = VariantGraphs[variant]();
        Network net = OnnxImporter.Import(model, "variant.onnx").Network;

        QcfsSpec spec = Assert.Single(net.Architecture.OfType<QcfsSpec>());
        Assert.Equal(levels, spec.Levels);
        Assert.Equal(lambda.Length, spec.Thresholds);
        float[] imported = ((QcfsLayer)net.Layers[net.Architecture.ToList().IndexOf(spec)]).Threshold.Value.Data;
        for (int c = 0; c < lambda.Length; c++) Assert.True(Math.Abs(imported[c] - lambda[c]) <= 1e-6 * lambda[c], $"lambda[{c}] {imported[c]} vs {lambda[c]}");
        Assert.DoesNotContain(net.Architecture, s => s is not (QcfsSpec or AvgPool2dSpec or FlattenSpec or Conv2dSpec));

        Tensor input = AwayFromSteps(net.InputShape, levels, lambda, perFeature: spec.Thresholds > 1 && net.Architecture[0] is FlattenSpec);
        float[] expected = OnnxReference.Run(model, input), actual = net.Forward(input, ForwardContext.Eval).Data;
        double diff = expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(diff <= 1e-6 * lambda.Max(), $"{variant}: max |diff| {diff:G3}");
        // Every level 0..L is reached (the clip at both ends included), so the comparison covers the whole activation.
        int features = expected.Length / input.Dim(0), plane = features / lambda.Length;
        var reached = expected.Select((v, e) => (int)Math.Round(v * levels / lambda[lambda.Length == 1 ? 0 : e % features / plane])).ToHashSet();
        Assert.Equal(Enumerable.Range(0, levels + 1), reached.Order());
        output.WriteLine($"{variant}: L = {levels}, {spec.Thresholds} threshold(s), max |diff| vs ONNX Runtime {diff:G3}");
    }

    public static TheoryData<string> PyTorchFixtures() => new("qcfs-layer-opset13.onnx", "qcfs-channel-opset11.onnx", "qcfs-channel-opset9.onnx");

    [Theory]
    [MemberData(nameof(PyTorchFixtures))]
    public void QCFS_CNN_exported_by_PyTorch_imports_with_its_thresholds_and_matches_ONNX_Runtime(string file)
    {
        string path = RepositoryFiles.Path(Path.Combine("tests/fixtures/onnx", file));
        Network net = OnnxImporter.Load(path).Network;
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

        // Three QCFS layers, each with the values of its module's `up` parameter, read here from the file directly.
        var qcfs = net.Layers.OfType<QcfsLayer>().ToArray();
        Assert.Equal(3, qcfs.Length);
        TensorProto[] ups = proto.Graph.Initializer.Where(t => t.Name.EndsWith(".up")).ToArray();
        Assert.Equal(3, ups.Length);
        int levels = file.Contains("opset13") ? 4 : file.Contains("opset11") ? 8 : 2;
        for (int i = 0; i < 3; i++)
        {
            float[] up = OnnxTensorData.Floats(ups[i], ups[i].Name);
            Assert.Equal(levels, ((QcfsSpec)qcfs[i].Spec).Levels);
            Assert.Equal(file.Contains("channel") ? new[] { 8, 16, 32 }[i] : 1, ((QcfsSpec)qcfs[i].Spec).Thresholds);
            Assert.Equal(up, qcfs[i].Threshold.Value.Data);
        }
        Assert.Equal([typeof(Conv2dSpec), typeof(QcfsSpec), typeof(AvgPool2dSpec), typeof(Conv2dSpec), typeof(QcfsSpec), typeof(AvgPool2dSpec),
            typeof(FlattenSpec), typeof(LinearSpec), typeof(QcfsSpec), typeof(LinearSpec)], net.Architecture.Select(s => s.GetType()));

        var input = OnnxReference.RandomImages(16, net.InputShape, seed: 31);
        float[] expected = OnnxReference.RunFile(path, input);
        string diff = OnnxReference.AssertClose(expected, net.Forward(input, ForwardContext.Eval).Data, file);
        output.WriteLine($"{file}: {string.Join(", ", net.Architecture.Select(s => s.Describe()))}; vs ONNX Runtime on 16 images: {diff}");
    }

    [Theory]
    [InlineData("shift", "node \"add_5\" (Add): adds 0.4000000059604645 before Floor; a QCFS activation shifts by 1/2")]
    [InlineData("thresholds", "node \"mul_9\" (Mul): the QCFS activation from node \"div_1\" (Div) divides by the threshold 0.5 before Floor but multiplies by 0.75 after the clip")]
    [InlineData("lower", "node \"clip_8\" (Clip): the lower bound is -1; a QCFS activation clips at 0")]
    [InlineData("no max", "node \"clip_8\" (Clip): the QCFS activation from node \"div_1\" (Div) has no upper bound")]
    [InlineData("levels", "node \"clip_8\" (Clip): the upper bound 0.875 over the scaling 0.25 after Floor gives 3.5 levels")]
    [InlineData("max only", "node \"flatten_9\" (Flatten): follows the Max of the QCFS activation from node \"div_1\" (Div); expected Min")]
    [InlineData("no floor", "node \"div_1\" (Div): Div is imported only as input normalisation before the first layer ((x - mean) / std) or as part of a QCFS activation")]
    [InlineData("constant shape", "node \"div_1\" (Div): constant \"up\" has shape [3]; in a QCFS activation it is a scalar or one value per channel, shaped (3, 1, 1) or (1, 3, 1, 1)")]
    public void Departure_from_the_QCFS_pattern_is_refused_naming_the_node(string what, string expected)
    {
        var g = new TestGraph([null, 3, 4, 4]);
        string x = g.Node("AveragePool", ["x"], Ints("kernel_shape", 1, 1));
        x = g.Node("Div", [x, what == "constant shape" ? g.Init("up", [3], values: [0.5f, 0.5f, 0.5f]) : g.Init("up", [1], values: [0.5f])]);
        if (what != "no floor")
        {
            x = g.Node("Mul", [x, g.Constant([4f])]);
            x = g.Node("Add", [x, g.Constant([what == "shift" ? 0.4f : 0.5f])]);
            x = g.Node("Floor", [x]);
            x = g.Node("Div", [x, g.Init("levels", [], values: [4f])]);
            x = what switch
            {
                "lower" => g.Node("Clip", [x, g.Init("lo", [], values: [-1f]), g.Init("hi", [], values: [1f])]),
                "no max" => g.Node("Clip", [x, g.Init("lo", [], values: [0f])]),
                "levels" => g.Node("Clip", [x, g.Init("lo", [], values: [0f]), g.Init("hi", [], values: [0.875f])]),
                "max only" => g.Node("Max", [x, g.Init("lo", [], values: [0f])]),
                _ => g.Node("Clip", [x, g.Init("lo", [], values: [0f]), g.Init("hi", [], values: [1f])]),
            };
            if (what != "max only") x = g.Node("Mul", [x, what == "thresholds" ? g.Init("up2", [1], values: [0.75f]) : "up"]);
        }
        byte[] model = g.Build(g.Node("Flatten", [x]), [null, 48]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "bad.onnx"));
        output.WriteLine(e.Message);
        Assert.Contains($"bad.onnx: {expected}", e.Message);
    }

    // Conv - QCFS - AvgPool - Flatten - Linear - QCFS - Linear on (2, 8, 8), thresholds spread around the activations' scale.
    private static Network QcfsNetwork(bool perChannel, int levels)
    {
        LayerSpec[] layers =
        [
            new Conv2dSpec(2, 4, 3, Stride: 1, Padding: 1, Bias: true), new QcfsSpec(levels, perChannel ? 4 : 1), new AvgPool2dSpec(2),
            new FlattenSpec(), new LinearSpec(64, 16), new QcfsSpec(levels, perChannel ? 16 : 1), new LinearSpec(16, 5),
        ];
        var net = new Network("qcfs", layers, [2, 8, 8], new Random(20));
        foreach (QcfsLayer q in net.Layers.OfType<QcfsLayer>())
            for (int c = 0; c < q.Threshold.Value.Length; c++) q.Threshold.Value.Data[c] = 0.3f + 0.07f * c;
        return net;
    }

    // Runs the exported model in ONNX Runtime with the given layers' outputs as extra graph outputs and compares each
    // QCFS output with SnnConvert's, layer by layer, leaving out elements whose z L / lambda + 1/2 lies within 1e-4 of a
    // whole number; then the logits (max |diff| <= 1e-4 of their scale). Returns the logits' comparison and the count left out.
    private static (string Logits, int Boundary) CompareLayerByLayer(Network net, byte[] model, Tensor input, int[] qcfsLayers)
    {
        ModelProto proto = ModelProto.Parser.ParseFrom(model);
        foreach (int i in qcfsLayers)
            proto.Graph.Output.Add(new ValueInfoProto { Name = $"{i}.out", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        string[] names = [OnnxExporter.OutputName, .. qcfsLayers.Select(i => $"{i}.out")];
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(proto.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        using var outputs = session.Run(new RunOptions(), [OnnxExporter.InputName], [value], names);
        float[][] reference = outputs.Select(o => o.GetTensorDataAsSpan<float>().ToArray()).ToArray();

        int boundary = 0;
        Tensor x = input;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Tensor z = x;
            x = net.Layers[i].Forward(z, ForwardContext.Eval).Clone();
            int k = Array.IndexOf(qcfsLayers, i);
            if (k < 0) continue;
            var q = (QcfsLayer)net.Layers[i];
            int levels = ((QcfsSpec)q.Spec).Levels, channels = z.Dim(1), plane = z.Length / (z.Dim(0) * channels);
            for (int e = 0; e < z.Length; e++)
            {
                float lambda = q.Threshold.Value.Data[q.Threshold.Value.Length == 1 ? 0 : e / plane % channels];
                double u = (double)z.Data[e] * levels / lambda + 0.5;
                if (Math.Abs(u - Math.Round(u)) < 1e-4) { boundary++; continue; }
                Assert.True(Math.Abs(reference[k + 1][e] - x.Data[e]) <= 1e-6 * lambda, $"layer {i}, element {e}: ONNX Runtime {reference[k + 1][e]}, SnnConvert {x.Data[e]}");
            }
        }
        return (OnnxReference.AssertClose(reference[0], x.Data, "logits"), boundary);
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
    // or Flatten first and the pattern on (N, 48). Returns the model, L and the thresholds lambda it encodes.
    private static readonly Dictionary<string, Func<(byte[] Model, int Levels, float[] Lambda)>> VariantGraphs = new()
    {
        ["authors' form, opset 13, Constant nodes, lambda (1)"] = () => Image(13, [0.6f], [1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([4f])]);
            x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([4f])]);
            return g.Node("Mul", [g.Node("Clip", [x, g.Constant([0f]), g.Constant([1f])]), up]);
        }, 4),
        ["authors' form, opset 9, Clip attributes, lambda (C, 1, 1)"] = () => Image(9, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Node("Div", [x, up]), g.Init("L", [], values: [8f])]);
            x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Init("half", [], values: [0.5f])])]), "L"]);
            return g.Node("Mul", [g.Node("Clip", [x], Float("min", 0f), Float("max", 1f)), up]);
        }, 8),
        ["Mul by 1 / lambda, constants first, opset 11, lambda (1, C, 1, 1)"] = () => Image(11, [0.5f, 0.8f, 1.3f], [1, 3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Mul", [g.Init("inv", [1, 3, 1, 1], values: [2f, 1.25f, 1 / 1.3f]), x]);
            x = g.Node("Mul", [g.Init("L", [1], values: [3f]), x]);
            x = g.Node("Mul", [g.Init("invL", [], values: [1 / 3f]), g.Node("Floor", [g.Node("Add", [g.Init("half", [], values: [0.5f]), x])])]);
            return g.Node("Mul", [up, g.Node("Clip", [x, g.Init("lo", [], values: [0f]), g.Init("hi", [], values: [1f])])]);
        }, 3),
        ["Max 0 then Min 1"] = () => Image(13, [0.7f], [], (g, x, up) => Bounded(g, x, up, 5, (g, y) => g.Node("Min", [g.Node("Max", [y, g.Constant([0f])]), g.Constant([1f])])), 5),
        ["Min 1 then Max 0"] = () => Image(13, [0.7f], [], (g, x, up) => Bounded(g, x, up, 5, (g, y) => g.Node("Max", [g.Node("Min", [y, g.Constant([1f])]), g.Constant([0f])])), 5),
        ["Relu then Min 1, lambda (C, 1, 1)"] = () => Image(13, [0.5f, 0.8f, 1.3f], [3, 1, 1], (g, x, up) => Bounded(g, x, up, 2, (g, y) => g.Node("Min", [g.Node("Relu", [y]), g.Constant([1f])])), 2),
        ["Clip(0, L) before the division by L"] = () => Image(13, [0.9f], [1], (g, x, up) =>
        {
            x = g.Node("Floor", [g.Node("Add", [g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([6f])]), g.Constant([0.5f])])]);
            x = g.Node("Clip", [x, g.Constant([0f]), g.Constant([6f])]);
            return g.Node("Mul", [g.Node("Div", [x, g.Constant([6f])]), up]);
        }, 6),
        ["one Mul by L / lambda, Clip(0, L), one Mul by lambda / L, per channel"] = () => Image(13, [0.5f, 0.8f, 1.25f], [3, 1, 1], (g, x, up) =>
        {
            x = g.Node("Floor", [g.Node("Add", [g.Node("Mul", [x, g.Init("s", [3, 1, 1], values: [8f, 5f, 3.2f])]), g.Constant([0.5f])])]);
            return g.Node("Mul", [g.Node("Clip", [x, g.Constant([0f]), g.Constant([4f])]), g.Init("t", [3, 1, 1], values: [0.125f, 0.2f, 0.3125f])]);
        }, 4),
        ["on (N, F) after Flatten, lambda (F)"] = () => Features([48], 4),
        ["lambda = L: no scaling, the Add of 1/2 right after a conv with bias (not its bias)"] = () =>
        {
            // A 1x1 identity convolution with zero bias, so the activation reaching the pattern is the input itself.
            var g = new TestGraph([null, 3, 4, 4]);
            float[] identity = Enumerable.Range(0, 9).Select(i => i % 4 == 0 ? 1f : 0f).ToArray();
            string x = g.Node("Conv", ["x", g.Init("w", [3, 3, 1, 1], values: identity), g.Init("b", [3], values: [0f, 0f, 0f])], Ints("kernel_shape", 1, 1));
            x = g.Node("Clip", [g.Node("Floor", [g.Node("Add", [x, g.Init("half", [], values: [0.5f])])]), g.Constant([0f]), g.Constant([4f])]);
            return (g.Build(g.Node("Flatten", [x]), [null, 48]), 4, [4f]);
        },
        ["on (N, F) after Flatten, lambda (1, F)"] = () => Features([1, 48], 3),
    };

    private static string Bounded(TestGraph g, string x, string up, int levels, Func<TestGraph, string, string> bound)
    {
        x = g.Node("Mul", [g.Node("Div", [x, up]), g.Constant([levels])]);
        x = g.Node("Div", [g.Node("Floor", [g.Node("Add", [x, g.Constant([0.5f])])]), g.Constant([levels])]);
        return g.Node("Mul", [bound(g, x), up]);
    }

    private static (byte[], int, float[]) Image(int opset, float[] lambda, long[] dims, Func<TestGraph, string, string, string> pattern, int levels)
    {
        var g = new TestGraph([null, 3, 4, 4], opset);
        string x = g.Node("AveragePool", ["x"], Ints("kernel_shape", 1, 1));
        x = pattern(g, x, g.Init("up", dims, values: lambda));
        return (g.Build(g.Node("Flatten", [x]), [null, 48]), levels, lambda);
    }

    private static (byte[], int, float[]) Features(long[] dims, int levels)
    {
        var g = new TestGraph([null, 3, 4, 4]);
        float[] lambda = Enumerable.Range(0, 48).Select(f => 0.4f + 0.05f * f).ToArray();
        string x = g.Node("Flatten", ["x"]);
        x = Bounded(g, x, g.Init("up", dims, values: lambda), levels, (g, y) => g.Node("Clip", [y, g.Constant([0f]), g.Constant([1f])]));
        return (g.Build(x, [null, 48]), levels, lambda);
    }
}
