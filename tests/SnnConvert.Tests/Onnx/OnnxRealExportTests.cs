using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Tensors;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// Issue 15's shapes of ONNX files as PyTorch, keras2onnx, tf2onnx and CNTK write them: input scaling outside the
/// model, a final (Log)Softmax, opsets 7-8 and 19-21, NHWC inputs, CNTK biases and reshaped weights, SAME pooling,
/// consecutive dense layers and extra outputs. Each is checked against ONNX Runtime (ORT 1.31 runs every opset here,
/// 21 included); the fixture files themselves are all compared in <see cref="OnnxModelTests.Fixture_matches_ONNX_Runtime"/>.
/// </summary>
public sealed class OnnxRealExportTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => RepositoryFiles.Path(Path.Combine("tests/fixtures/onnx", name));

    // 1. Input scaling outside the model.

    [Fact]
    public void Input_scaling_composes_with_the_in_model_normalisation_as_ONNX_Runtime_computes_it()
    {
        // The graph normalises (x - m) / s itself; the options say its input was (255 x - mean) / std.
        var g = new TestGraph([null, 2, 9, 9]);
        string norm = g.Node("Div", [g.Node("Sub", ["x", g.Init("m", [1, 2, 1, 1], values: [0.2f, -0.1f])]), g.Init("s", [1, 2, 1, 1], values: [0.5f, 2f])]);
        byte[] model = g.Build(g.Node("Gemm", [g.Node("Flatten", [g.Node("Relu", [g.Node("Conv", [norm, g.Init("w", [3, 2, 3, 3]), g.Init("b", [3])])])]),
            g.Init("fc", [4, 147]), g.Init("fcb", [4])], Int("transB", 1)), [null, 4]);
        var scaling = new OnnxInputScaling(255f, [120f, 130f], [60f, 70f]);
        SavedModel imported = OnnxImporter.Import(model, "scaled.onnx", options: new OnnxImportOptions(scaling));

        var x = OnnxReference.RandomImages(3, [2, 9, 9], seed: 1);
        var fed = new Tensor(x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / 81 % 2;
            fed.Data[i] = (255f * x.Data[i] - scaling.Mean[c]) / scaling.Std[c];
        }
        string diff = OnnxReference.AssertClose(OnnxReference.Run(model, fed), imported.Network.Forward(x, ForwardContext.Eval).Data, "scaled");
        output.WriteLine($"input scaling composed with Sub/Div: {diff}; {imported.Network.Architecture[0].Describe()}");

        // One normalize layer: ((255 x - M) / S - m) / s = (x - (M + S m) / 255) / (S s / 255).
        var spec = Assert.IsType<NormalizeSpec>(imported.Network.Architecture[0]);
        Assert.Equal((120 + 60 * 0.2) / 255, spec.Mean[0], 5);
        Assert.Equal((130 - 70 * 0.1) / 255, spec.Mean[1], 5);
        Assert.Equal(60 * 0.5 / 255, spec.Std[0], 5);
        Assert.Equal(70 * 2.0 / 255, spec.Std[1], 5);
        Assert.Equal(255, imported.Training["input"]!["scale"]!.GetValue<float>());
        Assert.Single(imported.Network.Architecture.OfType<NormalizeSpec>());
    }

    [Fact]
    public void Input_scaling_without_in_model_normalisation_becomes_the_normalise_layer_and_is_checked_against_the_channels()
    {
        SavedModel imported = OnnxImporter.Load(Fixture("fmnist-normalized-opset13.onnx"), "fmnist", new OnnxImportOptions(new OnnxInputScaling(1f, [0.5f], [0.5f])));
        Assert.Equal(new NormalizeSpec([0.5f], [0.5f]), imported.Network.Architecture[0], new SpecComparer());
        Assert.Equal(0.5f, imported.Training["input"]!["mean"]![0]!.GetValue<float>());

        var wrong = Assert.Throws<InvalidSettingException>(() => OnnxImporter.Load(Fixture("fmnist-normalized-opset13.onnx"), "fmnist",
            new OnnxImportOptions(new OnnxInputScaling(1f, [0.1f, 0.2f, 0.3f], [1f]))));
        Assert.Contains("input mean: 3 values given, but the model's input has 1 channel", wrong.Message);
        Assert.Contains("input std: must be positive", Assert.Throws<InvalidSettingException>(() => OnnxImporter.Load(Fixture("fmnist-normalized-opset13.onnx"), "fmnist",
            new OnnxImportOptions(new OnnxInputScaling(1f, [0f], [0f])))).Message);
    }

    [Fact]
    public void Input_scaling_is_folded_into_the_first_layer_at_conversion()
    {
        // The folded template (what the SNN's thresholds are set on) computes on [0, 1] pixels what ONNX Runtime computes on (x - 0.5) / 0.5.
        string path = Fixture("fmnist-normalized-opset13.onnx");
        SavedModel imported = OnnxImporter.Load(path, "fmnist", new OnnxImportOptions(new OnnxInputScaling(1f, [0.5f], [0.5f])));
        var template = SnnConvert.Conversion.SnnTemplateBuilder.Build(imported);
        Assert.IsType<SnnConvert.Snn.SnnConv2d>(template.Network.Layers[0]);
        var x = OnnxReference.RandomImages(4, [1, 28, 28], seed: 12);
        var fed = new Tensor(x.Shape);
        for (int i = 0; i < x.Length; i++) fed.Data[i] = (x.Data[i] - 0.5f) / 0.5f;
        float[] folded = new SnnConvert.Conversion.AnalogForward(template.Network).Run(x.Data, 4);
        output.WriteLine($"folded input scaling: {OnnxReference.AssertClose(OnnxReference.RunFile(path, fed), folded, "folded")}");
    }

    // 2. A final Softmax or LogSoftmax.

    [Theory]
    [InlineData("Softmax", 13, null)]
    [InlineData("LogSoftmax", 13, -1L)]
    [InlineData("Softmax", 9, null)]
    [InlineData("LogSoftmax", 7, 1L)]
    public void Final_softmax_is_dropped_with_a_note_and_the_predictions_are_ONNX_Runtimes(string op, int opset, long? axis)
    {
        var g = new TestGraph([null, 2, 9, 9], opset);
        string logits = g.Node("Gemm", [g.Node("Flatten", ["x"]), g.Init("w", [5, 162]), g.Init("b", [5])], Int("transB", 1));
        byte[] model = g.Build(axis is { } a ? g.Node(op, [logits], Int("axis", a)) : g.Node(op, [logits]), [null, 5]);
        SavedModel imported = OnnxImporter.Import(model, "softmax.onnx");
        var x = OnnxReference.RandomImages(4, [2, 9, 9], seed: 2);
        float[] probabilities = OnnxReference.Run(model, x), logitsOut = imported.Network.Forward(x, ForwardContext.Eval).Data;
        OnnxReference.AssertClose(probabilities, OnnxReference.Softmax(logitsOut, 5, log: op == "LogSoftmax"), op);
        Assert.Equal(ArgMax(probabilities, 5), ArgMax(logitsOut, 5));
        string note = Assert.Single(imported.Training["importNotes"]!.AsArray())!.GetValue<string>();
        Assert.Contains($"the final {op} is dropped", note);
    }

    [Fact]
    public void Softmax_that_is_not_the_last_node_or_runs_over_the_batch_is_refused()
    {
        var g = new TestGraph([null, 2, 9, 9]);
        string soft = g.Node("Softmax", [g.Node("Gemm", [g.Node("Flatten", ["x"]), g.Init("w", [5, 162])], Int("transB", 1))]);
        byte[] model = g.Build(g.Node("Gemm", [soft, g.Init("w2", [3, 5])], Int("transB", 1)), [null, 3]);
        Assert.Contains("only as the last node", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "mid.onnx")).Message);

        var h = new TestGraph([null, 2, 9, 9]);
        byte[] batchAxis = h.Build(h.Node("Softmax", [h.Node("Gemm", [h.Node("Flatten", ["x"]), h.Init("w", [5, 162])], Int("transB", 1))], Int("axis", 0)), [null, 5]);
        Assert.Contains("axis 0 does not run over the class scores", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(batchAxis, "axis0.onnx")).Message);
    }

    // 3. Opsets 7-8 and 19-21; the range's ends.

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void Old_and_new_opsets_import_and_match_ONNX_Runtime(int opset)
    {
        var g = new TestGraph([null, 2, 9, 9], opset);
        string bn = g.Node("BatchNormalization", [g.Node("Conv", ["x", g.Init("w", [3, 2, 3, 3])], Ints("pads", 1, 1, 1, 1)),
            g.Init("s", [3], offset: 1f), g.Init("b", [3]), g.Init("m", [3]), g.Init("v", [3], 0.3f, offset: 0.6f)],
            opset < 9 ? [Float("epsilon", 1e-3f), Int("spatial", 1)] : [Float("epsilon", 1e-3f)]);
        string pooled = g.Node("AveragePool", [g.Node("Relu", [bn])], Ints("kernel_shape", 3, 3), Ints("strides", 3, 3));
        string dropped = opset < 12 ? g.NodeWithOutputs("Dropout", [pooled], 2, Float("ratio", 0.2f))[0] : g.Node("Dropout", [pooled]);
        byte[] model = g.Build(g.Node("Gemm", [g.Node("Flatten", [dropped]), g.Init("fc", [4, 27]), g.Init("fcb", [4])], Int("transB", 1)), [null, 4]);
        SavedModel imported = OnnxImporter.Import(model, $"opset{opset}.onnx");
        output.WriteLine($"opset {opset}: {OnnxReference.AssertMatches(imported.Network, model, OnnxReference.RandomImages(2, [2, 9, 9], opset), $"opset {opset}")}");
        Assert.Equal(opset, imported.Training["opset"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(6)]
    [InlineData(22)]
    public void Opsets_outside_seven_to_twenty_one_are_refused(int opset)
    {
        var g = new TestGraph([null, 2, 9, 9], opset);
        byte[] model = g.Build(g.Node("Gemm", [g.Node("Flatten", ["x"]), g.Init("w", [5, 162])], Int("transB", 1)), [null, 5]);
        Assert.Contains($"opset {opset} is outside the supported 7 to 21", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "o.onnx")).Message);
    }

    [Fact]
    public void Training_mode_flags_of_old_files_are_refused()
    {
        // is_test 0 (before opset 7, seen in files that declare a later opset) means batch statistics / active dropout.
        var g = new TestGraph([null, 2, 9, 9], 7);
        byte[] dropout = g.Build(g.Node("Flatten", [g.Node("Dropout", ["x"], Int("is_test", 0))]), [null, 162]);
        Assert.Contains("is_test is 0", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(dropout, "d.onnx")).Message);
        var h = new TestGraph([null, 2, 9, 9], 7);
        byte[] bn = h.Build(h.Node("Flatten", [h.Node("BatchNormalization", ["x", h.Init("s", [2]), h.Init("b", [2]), h.Init("m", [2]), h.Init("v", [2], offset: 1f)], Int("is_test", 0))]), [null, 162]);
        Assert.Contains("is_test is 0", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(bn, "bn.onnx")).Message);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    public void Clip_with_min_zero_is_a_ReLU(int opset)
    {
        var g = new TestGraph([null, 2, 9, 9], opset);
        string clip = opset < 11 ? g.Node("Clip", [g.Node("Sub", ["x", g.Init("h", [], values: [0.5f])])], Float("min", 0f))
            : g.Node("Clip", [g.Node("Sub", ["x", g.Init("h", [], values: [0.5f])]), g.Init("lo", [], values: [0f])]);
        byte[] model = g.Build(g.Node("Flatten", [clip]), [null, 162]);
        Network net = OnnxImporter.Import(model, "clip.onnx").Network;
        Assert.Contains(net.Architecture, s => s is ReluSpec);
        OnnxReference.AssertMatches(net, model, OnnxReference.RandomImages(2, [2, 9, 9], 3), "clip");

        var h = new TestGraph([null, 2, 9, 9], 13);
        byte[] relu6 = h.Build(h.Node("Flatten", [h.Node("Clip", ["x", h.Init("lo", [], values: [0f]), h.Init("hi", [], values: [6f])])]), [null, 162]);
        Assert.Contains("ReLU6", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(relu6, "relu6.onnx")).Message);
    }

    // 4. NHWC inputs.

    [Fact]
    public void NHWC_input_with_channels_last_normalisation_imports_as_an_NCHW_network()
    {
        // keras2onnx on a colour image: (N, H, W, 3), a per-channel Sub in NHWC layout, Transpose to NCHW.
        var g = new TestGraph([null, 6, 5, 3]);
        string sub = g.Node("Sub", ["x", g.Init("mean", [1, 1, 1, 3], values: [0.1f, 0.2f, 0.3f])]);
        string nchw = g.Node("Transpose", [sub], Ints("perm", 0, 3, 1, 2));
        string conv = g.Node("Relu", [g.Node("Conv", [nchw, g.Init("w", [4, 3, 3, 3]), g.Init("b", [4])])]);
        byte[] model = g.Build(g.Node("Gemm", [g.Node("Flatten", [conv]), g.Init("fc", [5, 4 * 4 * 3])], Int("transB", 1)), [null, 5]);
        Network net = OnnxImporter.Import(model, "nhwc.onnx").Network;
        Assert.Equal([3, 6, 5], net.InputShape);
        var x = OnnxReference.RandomImages(2, [3, 6, 5], seed: 4);
        float[] expected = OnnxReference.Run(model, OnnxFixture.ToDeclaredLayout(x, [6, 5, 3]));
        output.WriteLine($"NHWC colour input: {OnnxReference.AssertClose(expected, net.Forward(x, ForwardContext.Eval).Data, "nhwc")}");
        Assert.Equal([0.1f, 0.2f, 0.3f], Assert.IsType<NormalizeSpec>(net.Architecture[0]).Mean);
    }

    [Fact]
    public void Tf2onnx_reshape_of_a_grey_input_is_the_NCHW_input_but_a_reshape_that_reorders_pixels_is_refused()
    {
        SavedModel tf = OnnxImporter.Load(Fixture("tf2onnx-reshape-opset8.onnx"));
        Assert.Equal([1, 28, 28], tf.Network.InputShape);
        SavedModel keras = OnnxImporter.Load(Fixture("keras-nhwc-opset9.onnx"));
        Assert.Equal([1, 28, 28], keras.Network.InputShape);

        var g = new TestGraph([null, 4, 4, 3]);
        string img = g.Node("Reshape", ["x", g.InitInt64("s", -1, 3, 4, 4)]);
        byte[] model = g.Build(g.Node("Gemm", [g.Node("Flatten", [img]), g.Init("w", [5, 48])], Int("transB", 1)), [null, 5]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "hwc.onnx"));
        Assert.Contains("node \"reshape_0\" (Reshape): reshapes the per-sample input [4, 4, 3] to [3, 4, 4], which reorders the pixels", e.Message);
    }

    // 6. CNTK layout.

    [Fact]
    public void CNTK_bias_adds_and_reshaped_or_transposed_constant_weights_fold_into_the_layers()
    {
        SavedModel cntk = OnnxImporter.Load(Fixture("cntk-opset7.onnx"));
        var conv = Assert.IsType<Conv2dSpec>(cntk.Network.Architecture[0]);
        Assert.True(conv.Bias);
        Assert.Equal(new LinearSpec(144, 10, Bias: true), cntk.Network.Architecture[^1]);

        var g = new TestGraph([null, 2, 9, 9]);
        string w = g.Node("Reshape", [g.Init("wflat", [3, 18]), g.InitInt64("ws", 3, 2, 3, 3)]);
        string convOut = g.Node("Add", [g.Node("Conv", ["x", w, g.Init("b0", [3])]), g.Init("bias", [3, 1, 1])]);
        string fcw = g.Node("Transpose", [g.Init("fcT", [5, 147])], Ints("perm", 1, 0));
        string mm = g.Node("MatMul", [g.Node("Flatten", [g.Node("Relu", [convOut])]), fcw]);
        byte[] model = g.Build(g.Node("Add", [g.Init("fcb", [1, 5]), mm]), [null, 5]);
        Network net = OnnxImporter.Import(model, "cntk.onnx").Network;
        output.WriteLine($"CNTK layout: {OnnxReference.AssertMatches(net, model, OnnxReference.RandomImages(2, [2, 9, 9], 5), "cntk")}");

        var h = new TestGraph([null, 2, 9, 9]);
        string rowBias = h.Node("Add", [h.Node("Conv", ["x", h.Init("w", [3, 2, 3, 3])]), h.Init("bad", [7])]);
        byte[] bad = h.Build(h.Node("Gemm", [h.Node("Flatten", [rowBias]), h.Init("fc", [5, 147])], Int("transB", 1)), [null, 5]);
        Assert.Contains("node \"add_1\" (Add): bias \"bad\" has shape [7]", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(bad, "bad.onnx")).Message);
    }

    // 7. SAME pooling, consecutive dense layers, extra outputs.

    [Fact]
    public void Same_pooling_is_imported_where_its_padding_is_zero_and_refused_where_it_pads()
    {
        var g = new TestGraph([null, 2, 9, 9]);
        byte[] model = g.Build(g.Node("Flatten", [g.Node("AveragePool", ["x"], Ints("kernel_shape", 3, 3), Ints("strides", 3, 3), Text("auto_pad", "SAME_LOWER"))]), [null, 18]);
        OnnxReference.AssertMatches(OnnxImporter.Import(model, "same.onnx").Network, model, OnnxReference.RandomImages(2, [2, 9, 9], 6), "same");

        var h = new TestGraph([null, 2, 9, 9]);
        byte[] padded = h.Build(h.Node("Flatten", [h.Node("AveragePool", ["x"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Text("auto_pad", "SAME_UPPER"))]), [null, 50]);
        Assert.Contains("auto_pad SAME_UPPER pads a 9x9 input by 1 rows and 1 columns", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(padded, "pad.onnx")).Message);
    }

    [Fact]
    public void Three_dense_layers_without_activations_merge_into_one_that_computes_the_same()
    {
        var g = new TestGraph([null, 2, 9, 9]);
        string a = g.Node("Gemm", [g.Node("Flatten", ["x"]), g.Init("w1", [16, 162]), g.Init("b1", [16])], Int("transB", 1));
        string b = g.Node("Add", [g.Node("MatMul", [g.Node("Dropout", [a]), g.Init("w2", [16, 8])]), g.Init("b2", [8])]);
        byte[] model = g.Build(g.Node("Gemm", [b, g.Init("w3", [8, 5])]), [null, 5]);
        SavedModel imported = OnnxImporter.Import(model, "dense3.onnx");
        Assert.Equal([new FlattenSpec(), new LinearSpec(162, 5, Bias: true)], imported.Network.Architecture);
        Assert.Equal(2, imported.Training["importNotes"]!.AsArray().Count);
        output.WriteLine($"merged dense: {OnnxReference.AssertMatches(imported.Network, model, OnnxReference.RandomImages(3, [2, 9, 9], 7), "merged")}");
    }

    [Fact]
    public void Extra_outputs_are_set_aside_and_output_chooses_one()
    {
        string path = Fixture("tf2onnx-reshape-opset8.onnx");
        Assert.Equal("probs", OnnxImporter.Load(path).Training["output"]!.GetValue<string>());
        SavedModel logits = OnnxImporter.Load(path, options: new OnnxImportOptions(Output: "logits"));
        Assert.Equal("logits", logits.Training["output"]!.GetValue<string>());
        Assert.Null(logits.Training["importNotes"]);   // no Softmax on the way to "logits"
        var x = OnnxReference.RandomImages(2, [1, 28, 28], 8);
        OnnxReference.AssertClose(OnnxReference.RunFile(path, x, "logits", [2, 28, 28, 1]), logits.Network.Forward(x, ForwardContext.Eval).Data, "logits");

        Assert.Contains("expected class scores", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(path, options: new OnnxImportOptions(Output: "features"))).Message);
        var missing = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(path, options: new OnnxImportOptions(Output: "nope")));
        Assert.Contains("[graph output = \"nope\"] is not an output of the graph; its outputs are \"features\", \"logits\", \"probs\"", missing.Message);
    }

    [Fact]
    public void Two_outputs_of_equal_depth_need_output()
    {
        var g = new TestGraph([null, 2, 9, 9]);
        string flat = g.Node("Flatten", ["x"]);
        string a = g.Node("Gemm", [flat, g.Init("wa", [5, 162])], Int("transB", 1));
        string b = g.Node("Gemm", [flat, g.Init("wb", [5, 162])], Int("transB", 1));
        g.Graph.Output.Add(Value(b, [null, 5], 1));
        byte[] model = g.Build(a, [null, 5]);
        Assert.Contains("name the class scores with [graph output]", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "two.onnx")).Message);
        // Naming one sets the other's Gemm aside (it computes only the other output); the shared Flatten stays on the chain.
        foreach (string chosen in new[] { a, b })
        {
            Network net = OnnxImporter.Import(model, "two.onnx", options: new OnnxImportOptions(Output: chosen)).Network;
            var x = OnnxReference.RandomImages(2, [2, 9, 9], 9);
            string path = Path.Combine(Path.GetTempPath(), $"snnconvert-two-{Environment.ProcessId}.onnx");
            File.WriteAllBytes(path, model);
            try { OnnxReference.AssertClose(OnnxReference.RunFile(path, x, chosen), net.Forward(x, ForwardContext.Eval).Data, chosen); }
            finally { File.Delete(path); }
        }
    }

    [Fact]
    public void An_integer_output_is_never_taken_for_the_class_scores()
    {
        // An exported arg-max (int64) is computed by more nodes than the logits but cannot be class scores.
        var g = new TestGraph([null, 2, 9, 9]);
        string logits = g.Node("Gemm", [g.Node("Flatten", ["x"]), g.Init("w", [5, 162])], Int("transB", 1));
        string label = g.Node("ArgMax", [logits], Int("axis", 1), Int("keepdims", 0));
        g.Graph.Output.Add(Value(label, [null], 7));
        SavedModel imported = OnnxImporter.Import(g.Build(logits, [null, 5]), "argmax.onnx");
        Assert.Equal(logits, imported.Training["output"]!.GetValue<string>());
    }

    private static int[] ArgMax(float[] scores, int classes) =>
        Enumerable.Range(0, scores.Length / classes).Select(r => Enumerable.Range(0, classes).MaxBy(c => scores[r * classes + c])).ToArray();

    // Records with array members compare by reference; compare their description instead.
    private sealed class SpecComparer : IEqualityComparer<LayerSpec>
    {
        public bool Equals(LayerSpec? x, LayerSpec? y) => x?.Describe() == y?.Describe();

        public int GetHashCode(LayerSpec obj) => obj.Describe().GetHashCode();
    }
}
