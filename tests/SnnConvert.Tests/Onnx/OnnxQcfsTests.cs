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
/// The QCFS activation through ONNX: export in the authors' order (Div, Clip, Mul, Add, Floor, Div, Mul, the float
/// operations of QcfsLayer.Forward in their order, so ONNX Runtime computes the same bits), PyTorch-exported fixtures in
/// both of the authors' orders, the round trip, and each refusal. The variants of the pattern are in OnnxQcfsVariantTests.
/// </summary>
public sealed class OnnxQcfsTests(ITestOutputHelper output)
{
    private static readonly string[] AuthorsOps = ["Div", "Clip", "Mul", "Add", "Floor", "Div", "Mul"];

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

        // Each activation, given the input ONNX Runtime gave it, computes ONNX Runtime's output bit for bit; the logits
        // agree to rounding (the convolution and dense layers sum in another order).
        var input = OnnxReference.RandomImages(8, net.InputShape, seed: 21);
        var (logits, compared) = QcfsOrtCheck.CompareLayers(proto, input,
            [("0.out", "1.out", (QcfsLayer)net.Layers[1]), ("4.out", "5.out", (QcfsLayer)net.Layers[5])]);
        string diff = OnnxReference.AssertClose(logits, net.Forward(input, ForwardContext.Eval).Data, "logits");
        output.WriteLine($"per {(perChannel ? "channel" : "layer")}: {compared} QCFS elements bit for bit; logits {diff}");

        // Import gives the same layers, the same thresholds bit for bit, and so the same outputs bit for bit.
        Network imported = OnnxImporter.Import(model, "qcfs.onnx").Network;
        Assert.Equal(net.Architecture, imported.Architecture);
        foreach (int i in new[] { 1, 5 })
            Assert.Equal(((QcfsLayer)net.Layers[i]).Threshold.Value.Data, ((QcfsLayer)imported.Layers[i]).Threshold.Value.Data);
        QcfsOrtCheck.AssertBitwise(net.Forward(input, ForwardContext.Eval).Data, imported.Forward(input, ForwardContext.Eval).Data, "imported");
    }

    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 3)]
    [InlineData(true, 16)]
    public void Exported_QCFS_activation_equals_ONNX_Runtime_bit_for_bit_at_and_beside_every_jump_of_Floor(bool perChannel, int levels)
    {
        // QCFS right on the input, so the values reaching it are chosen: at (k + 1/2) lambda / L and a few ulps around.
        float[] lambda = perChannel ? [0.3f, 0.77f, 1.9f] : [0.7f];
        var net = new Network("steps", [new QcfsSpec(levels, lambda.Length), new FlattenSpec(), new LinearSpec(48, 5)], [3, 4, 4], new Random(5));
        var q = (QcfsLayer)net.Layers[0];
        lambda.CopyTo(q.Threshold.Value.Data, 0);
        ModelProto proto = OnnxExporter.Build(net);
        Tensor input = QcfsOrtCheck.AtSteps(64, net.InputShape, levels, lambda, perFeature: false, seed: levels);

        var (_, compared) = QcfsOrtCheck.CompareLayers(proto, input, [(OnnxExporter.InputName, "0.out", q)]);
        // The inputs do sit where rounding decides the level: computing z (L / lambda) instead changes some of them.
        int sensitive = QcfsOrtCheck.OrderSensitive(input, levels, lambda, perFeature: false);
        Assert.True(sensitive > 0, "no input where the order of operations matters");
        output.WriteLine($"L = {levels}, {lambda.Length} threshold(s): {compared} elements bit for bit, {sensitive} of them on another level if computed as z (L / lambda)");
    }

    public static TheoryData<string> PyTorchFixtures() =>
        new("qcfs-layer-opset13.onnx", "qcfs-channel-opset11.onnx", "qcfs-channel-opset9.onnx", "qcfs-myfloor-opset13.onnx");

    [Theory]
    [MemberData(nameof(PyTorchFixtures))]
    public void QCFS_CNN_exported_by_PyTorch_imports_with_its_thresholds_and_matches_ONNX_Runtime(string file)
    {
        string path = RepositoryFiles.Path(Path.Combine("tests/fixtures/onnx", file));
        Network net = OnnxImporter.Load(path).Network;
        ModelProto proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

        // The order of the clamp and Floor as the module wrote it: IF clamps first, MyFloor after Floor.
        bool myFloor = file.Contains("myfloor");
        var ops = proto.Graph.Node.Select(n => n.OpType).Where(o => o is "Clip" or "Floor").Take(2);
        Assert.Equal(myFloor ? ["Floor", "Clip"] : ["Clip", "Floor"], ops);

        // Three QCFS layers, each with the values of its module's threshold parameter, read here from the file directly.
        var qcfs = net.Layers.OfType<QcfsLayer>().ToArray();
        Assert.Equal(3, qcfs.Length);
        TensorProto[] thresholds = proto.Graph.Initializer.Where(t => t.Name.EndsWith(myFloor ? ".up" : ".thresh")).ToArray();
        Assert.Equal(3, thresholds.Length);
        int levels = file.Contains("opset13") ? 4 : file.Contains("opset11") ? 8 : 2;
        var layers = new List<(string, string, QcfsLayer)>();
        for (int i = 0; i < 3; i++)
        {
            float[] values = OnnxTensorData.Floats(thresholds[i], thresholds[i].Name);
            Assert.Equal(levels, ((QcfsSpec)qcfs[i].Spec).Levels);
            Assert.Equal(file.Contains("channel") ? new[] { 8, 16, 32 }[i] : 1, ((QcfsSpec)qcfs[i].Spec).Thresholds);
            Assert.Equal(values, qcfs[i].Threshold.Value.Data);
            // The pattern's input is the Div by the threshold's first input, its output the Mul by it.
            string name = thresholds[i].Name;
            layers.Add((proto.Graph.Node.Single(n => n.OpType == "Div" && n.Input.Contains(name)).Input[0],
                proto.Graph.Node.Single(n => n.OpType == "Mul" && n.Input.Contains(name)).Output[0], qcfs[i]));
        }
        Assert.Equal([typeof(Conv2dSpec), typeof(QcfsSpec), typeof(AvgPool2dSpec), typeof(Conv2dSpec), typeof(QcfsSpec), typeof(AvgPool2dSpec),
            typeof(FlattenSpec), typeof(LinearSpec), typeof(QcfsSpec), typeof(LinearSpec)], net.Architecture.Select(s => s.GetType()));

        // Both orders compute the same floats as SnnConvert's layer (inside [0, 1] the same operations; outside, exactly 0 or lambda).
        var input = OnnxReference.RandomImages(16, net.InputShape, seed: 31);
        var (logits, compared) = QcfsOrtCheck.CompareLayers(proto, input, layers);
        string diff = OnnxReference.AssertClose(logits, net.Forward(input, ForwardContext.Eval).Data, file);
        output.WriteLine($"{file}: {string.Join(", ", net.Architecture.Select(s => s.Describe()))}; {compared} QCFS elements bit for bit; logits vs ONNX Runtime on 16 images: {diff}");
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
    public void Departure_from_the_QCFS_pattern_with_the_clip_after_Floor_is_refused_naming_the_node(string what, string expected)
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

    [Theory]
    [InlineData("shift", "node \"add_8\" (Add): adds 0.4000000059604645 before Floor; a QCFS activation shifts by 1/2")]
    [InlineData("thresholds", "node \"mul_12\" (Mul): the QCFS activation from node \"div_1\" (Div) divides by the threshold 0.5 before the clip but multiplies by 0.75 after Floor")]
    [InlineData("lower", "node \"clip_4\" (Clip): the lower bound is -1; a QCFS activation clips at 0")]
    [InlineData("levels", "node \"clip_4\" (Clip): the upper bound 1 times the scaling 3.5 before Floor gives 3.5 levels")]
    [InlineData("no floor", "node \"div_1\" (Div): Div is imported only as input normalisation before the first layer ((x - mean) / std) or as part of a QCFS activation")]
    [InlineData("min only", "node \"mul_5\" (Mul): follows the Min of the QCFS activation from node \"div_1\" (Div); expected Max or Relu")]
    public void Departure_from_the_clamp_first_QCFS_pattern_is_refused_naming_the_node(string what, string expected)
    {
        var g = new TestGraph([null, 3, 4, 4]);
        string x = g.Node("AveragePool", ["x"], Ints("kernel_shape", 1, 1));
        x = g.Node("Div", [x, g.Init("up", [1], values: [0.5f])]);
        x = what switch
        {
            "lower" => g.Node("Clip", [x, g.Constant([-1f]), g.Constant([1f])]),
            "min only" => g.Node("Min", [x, g.Constant([1f])]),
            _ => g.Node("Clip", [x, g.Constant([0f]), g.Constant([1f])]),
        };
        x = g.Node("Mul", [x, g.Constant([what == "levels" ? 3.5f : 4f])]);
        x = g.Node("Add", [x, g.Constant([what == "shift" ? 0.4f : 0.5f])]);
        if (what != "no floor")
        {
            x = g.Node("Div", [g.Node("Floor", [x]), g.Constant([4f])]);
            x = g.Node("Mul", [x, what == "thresholds" ? g.Init("up2", [1], values: [0.75f]) : "up"]);
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
}
