using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Onnx;
using Xunit;
using Xunit.Abstractions;
using static SnnConvert.Tests.Onnx.TestGraph;

namespace SnnConvert.Tests.Onnx;

/// <summary>What the importer refuses, and that each refusal names the file, node and operator, or tensor, and says why.</summary>
public sealed class OnnxErrorTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string _dir => _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Corrupt_file_is_refused_naming_the_file()
    {
        string path = Path.Combine(_dir, "corrupt.onnx");
        byte[] bytes = new byte[4096];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(path));
        output.WriteLine(e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(9, e.ExitCode);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void Truncated_file_is_refused_naming_the_file(double keep)
    {
        byte[] whole = OnnxExporter.ToBytes(ModelZoo.Find("mnist-seed")!.Build(new Random(1)));
        string path = Path.Combine(_dir, "truncated.onnx");
        File.WriteAllBytes(path, whole[..(int)(whole.Length * keep)]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(path));
        output.WriteLine(e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Damaged_bytes_give_an_ONNX_format_error_or_a_working_model_never_another_exception()
    {
        byte[] whole = OnnxExporter.ToBytes(ModelZoo.Find("fmnist-net")!.Build(new Random(1)));
        // Damage the structure, not the weights: the first bytes hold the graph's nodes and shapes.
        var random = new Random(2);
        int refused = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])whole.Clone();
            for (int k = 0; k < 1 + trial % 3; k++) bytes[random.Next(Math.Min(bytes.Length, 2000))] = (byte)random.Next(256);
            try { OnnxImporter.Import(bytes, "damaged.onnx"); }
            catch (OnnxFormatException) { refused++; }
        }
        output.WriteLine($"{refused} of 300 damaged copies refused");
        Assert.True(refused > 0);
    }

    [Fact]
    public void Missing_and_empty_files_are_refused_naming_the_file()
    {
        string missing = Path.Combine(_dir, "none.onnx"), empty = Path.Combine(_dir, "empty.onnx");
        File.WriteAllBytes(empty, []);
        Assert.Contains(missing, Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(missing)).Message);
        Assert.Contains("empty", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(empty)).Message);
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    public void Unsupported_activation_is_refused_naming_the_node_and_operator(string op)
    {
        string message = Refuse(g => Dense(g, g.Node(op, [g.Node("Conv", ["x", g.Init("w", [3, 2, 3, 3])])])));
        Assert.Contains($"node \"{op.ToLowerInvariant()}_1\" ({op})", message);
        Assert.Contains("not supported", message);
    }

    // The new import paths (NHWC inputs, constant folding, bias Adds, several outputs, Softmax, Clip, merged dense layers)
    // on damaged copies of the fixtures that reach them: an import error or a model, never another exception.
    [Theory]
    [InlineData("keras-nhwc-opset9.onnx")]
    [InlineData("tf2onnx-reshape-opset8.onnx")]
    [InlineData("cntk-opset7.onnx")]
    [InlineData("twolinear-softmax-opset8.onnx")]
    [InlineData("pytorch2-opset21.onnx")]
    public void Damaged_real_exports_give_an_ONNX_format_error_or_a_working_model(string file)
    {
        byte[] whole = File.ReadAllBytes(RepositoryFiles.Path(Path.Combine("tests/fixtures/onnx", file)));
        var random = new Random(file.Length);
        int refused = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])whole.Clone();
            for (int k = 0; k < 1 + trial % 3; k++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try { OnnxImporter.Import(bytes, "damaged.onnx"); }
            catch (OnnxFormatException) { refused++; }
        }
        output.WriteLine($"{file}: {refused} of 300 damaged copies refused");
    }

    [Fact]
    public void Mul_by_a_constant_after_the_first_layer_is_refused()
    {
        string message = Refuse(g => Dense(g, g.Node("Mul", [g.Node("Relu", ["x"]), g.Init("scale", [1, 2, 1, 1])])));
        Assert.Contains("node \"mul_1\" (Mul): operator Mul is not supported after the first layer", message);
    }

    [Fact]
    public void Add_of_two_activations_is_a_branch()
    {
        string message = Refuse(g =>
        {
            string a = g.Node("Relu", [g.Node("Conv", ["x", g.Init("w1", [2, 2, 3, 3])], Ints("pads", 1, 1, 1, 1))]);
            string b = g.Node("Conv", [a, g.Init("w2", [2, 2, 3, 3])], Ints("pads", 1, 1, 1, 1));
            return Dense(g, g.Node("Add", [a, b]));
        });
        Assert.Contains("branch at node \"relu_1\" (Relu)", message);
        Assert.Contains("node \"add_3\" (Add)", message);
    }

    [Fact]
    public void Two_dimensional_input_is_refused_with_its_rank()
    {
        var g = new TestGraph([null, 784]);
        byte[] model = g.Build(g.Node("Gemm", ["x", g.Init("w", [10, 784])], Int("transB", 1)), [null, 10]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "flat.onnx"));
        Assert.Contains("flat.onnx: input \"x\" has rank 2 ([\"N\", 784])", e.Message);
        Assert.Contains("(N, C, H, W)", e.Message);
    }

    [Fact]
    public void Dynamic_image_size_is_refused()
    {
        var g = new TestGraph([null, 2, null, 9]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(Dense(g, "x", build: true), "dyn.onnx"));
        Assert.Contains("dimension 2 (H)", e.Message);
        Assert.Contains("dynamic", e.Message);
    }

    [Fact]
    public void Non_float_tensors_are_refused_by_name()
    {
        var half = new TestGraph([null, 2, 9, 9], elementType: 10);
        Assert.Contains("input \"x\" has element type FLOAT16",
            Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(Dense(half, "x", build: true), "h.onnx")).Message);

        string message = Refuse(g =>
        {
            var w = new SnnConvert.Onnx.Proto.TensorProto { Name = "w64", DataType = 11 };
            w.Dims.AddRange([3, 2, 3, 3]);
            w.DoubleData.AddRange(Enumerable.Repeat(0.1, 54));
            g.Graph.Initializer.Add(w);
            return Dense(g, g.Node("Conv", ["x", "w64"]));
        });
        Assert.Contains("node \"conv_0\" (Conv): weight \"w64\"", message);
        Assert.Contains("DOUBLE", message);
    }

    [Fact]
    public void Asymmetric_conv_padding_is_refused_naming_the_node()
    {
        string message = Refuse(g => Dense(g, g.Node("Conv", ["x", g.Init("w", [3, 2, 3, 3])], Ints("pads", 0, 0, 1, 1))));
        Assert.Contains("node \"conv_0\" (Conv): pads [0, 0, 1, 1]", message);
    }

    [Fact]
    public void Non_square_kernel_and_grouped_conv_are_refused()
    {
        Assert.Contains("not square", Refuse(g => Dense(g, g.Node("Conv", ["x", g.Init("w", [3, 2, 3, 1])]))));
        Assert.Contains("group 2", Refuse(g => Dense(g, g.Node("Conv", ["x", g.Init("w", [2, 1, 3, 3])], Int("group", 2)))));
    }

    [Fact]
    public void Padded_average_pool_and_ceil_mode_are_refused()
    {
        Assert.Contains("count_include_pad", Refuse(g => Dense(g, g.Node("AveragePool", ["x"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1)))));
        Assert.Contains("ceil_mode", Refuse(g => Dense(g, g.Node("AveragePool", ["x"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)))));
    }

    [Fact]
    public void Gemm_with_alpha_and_flatten_into_the_batch_are_refused()
    {
        Assert.Contains("alpha 2", Refuse(g =>
        {
            string f = g.Node("Flatten", ["x"]);
            return g.Node("Gemm", [f, g.Init("w", [5, 162])], Int("transB", 1), Float("alpha", 2f));
        }));
        Assert.Contains("axis 2", Refuse(g => g.Node("Flatten", ["x"], Int("axis", 2))));
    }

    [Fact]
    public void Sub_after_the_first_layer_and_per_row_constants_are_not_normalisation()
    {
        Assert.Contains("only as input normalisation", Refuse(g =>
            Dense(g, g.Node("Sub", [g.Node("Conv", ["x", g.Init("w", [2, 2, 3, 3])]), g.Init("m", [1, 2, 1, 1])]))));
        Assert.Contains("one value per channel", Refuse(g => Dense(g, g.Node("Sub", ["x", g.Init("m", [9])]))));
    }

    [Fact]
    public void Unused_side_computation_is_refused()
    {
        Assert.Contains("not on the chain", Refuse(g =>
        {
            g.Node("Relu", [g.Init("unused", [3])]);
            return Dense(g, "x");
        }));
    }

    [Fact]
    public void Opset_outside_seven_to_twenty_one_is_refused()
    {
        var g = new TestGraph([null, 2, 9, 9], opset: 6);
        Assert.Contains("opset 6", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(Dense(g, "x", build: true), "old.onnx")).Message);
    }

    [Fact]
    public void Two_inputs_are_refused()
    {
        var g = new TestGraph([null, 2, 9, 9]);
        g.Graph.Input.Add(Value("y", [null, 2, 9, 9], 1));
        Assert.Contains("2 inputs", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(Dense(g, "x", build: true), "two.onnx")).Message);
    }

    // Builds the graph from the body's output through Flatten and a 5-way Gemm and returns the import error message.
    private string Refuse(Func<TestGraph, string> body)
    {
        var g = new TestGraph([null, 2, 9, 9]);
        byte[] model = g.Build(body(g), [null, 5]);
        string message = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(model, "bad.onnx")).Message;
        output.WriteLine(message);
        return message;
    }

    // Flatten + Gemm to 5 classes after `y` (whose features are inferred by the importer, so the Gemm width is a guess
    // that only the refused graphs reach); with build, the serialised model.
    private static string Dense(TestGraph g, string y) => g.Node("Gemm", [g.Node("Flatten", [y]), g.Init($"dense{g.Graph.Node.Count}", [5, 162])], Int("transB", 1));

    private static byte[] Dense(TestGraph g, string y, bool build) => g.Build(Dense(g, y), [null, 5]);
}
