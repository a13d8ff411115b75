using Google.Protobuf;
using SnnConvert.Errors;
using SnnConvert.Onnx;
using SnnConvert.Onnx.Proto;
using SnnConvert.Layers;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// Weights in a file beside the model (PyTorch 2.x's model.onnx + model.onnx.data): read from the model's folder with
/// their offset and length checked, and refused, naming the tensor and the file, when the location could leave the folder.
/// </summary>
public sealed class OnnxExternalDataTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void External_weights_are_read_and_give_ONNX_Runtimes_outputs()
    {
        // The committed fixture is checked against ONNX Runtime in OnnxModelTests; here a copy shows it is the data file that is read.
        string folder = CopyFixture();
        var net = OnnxImporter.Load(Path.Combine(folder, "model.onnx")).Network;
        Assert.Equal([3, 16, 16], net.InputShape);
        File.WriteAllBytes(Path.Combine(folder, "model.onnx.data"), new byte[new FileInfo(Path.Combine(folder, "model.onnx.data")).Length]);
        var zeros = OnnxImporter.Load(Path.Combine(folder, "model.onnx")).Network;
        var x = OnnxReference.RandomImages(1, [3, 16, 16], 1);
        Assert.All(zeros.Forward(x, ForwardContext.Eval).Data, v => Assert.Equal(0f, v));
        Assert.Contains(net.Forward(x, ForwardContext.Eval).Data, v => v != 0f);
    }

    [Fact]
    public void A_model_in_memory_cannot_read_external_weights()
    {
        byte[] bytes = File.ReadAllBytes(RepositoryFiles.Path("tests/fixtures/onnx/external/model.onnx"));
        var e = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Import(bytes, "model.onnx"));
        Assert.Contains("its data is stored in an external file", e.Message);
    }

    [Theory]
    [InlineData("../model.onnx.data", "has a \"..\" or empty path component")]
    [InlineData("sub/../../model.onnx.data", "has a \"..\" or empty path component")]
    [InlineData("/etc/passwd", "is an absolute path")]
    [InlineData("missing.data", "does not exist; keep it beside the .onnx file")]
    [InlineData("", "names no \"location\"")]
    public void Locations_that_leave_the_folder_or_name_nothing_are_refused(string location, string expected)
    {
        string folder = CopyFixture();
        string model = Rewrite(folder, t => SetEntry(t, "location", location));
        string message = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(model)).Message;
        output.WriteLine(message);
        Assert.Contains(model, message);
        Assert.Contains("initializer \"", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void A_symbolic_link_to_a_file_outside_is_refused()
    {
        string folder = CopyFixture();
        string outside = Path.Combine(_temp.Path, "outside.data");
        File.Copy(Path.Combine(folder, "model.onnx.data"), outside);
        File.CreateSymbolicLink(Path.Combine(folder, "link.data"), outside);
        string model = Rewrite(folder, t => SetEntry(t, "location", "link.data"));
        string message = Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(model)).Message;
        Assert.Contains("goes through the symbolic link", message);
    }

    [Fact]
    public void A_range_past_the_end_of_the_file_or_a_bad_number_is_refused()
    {
        string folder = CopyFixture();
        long size = new FileInfo(Path.Combine(folder, "model.onnx.data")).Length;
        string model = Rewrite(folder, t => SetEntry(t, "offset", (size - 4).ToString()));
        Assert.Contains("runs past the end of", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(model)).Message);
        model = Rewrite(folder, t => SetEntry(t, "length", "-5"));
        Assert.Contains("expected a non-negative integer", Assert.Throws<OnnxFormatException>(() => OnnxImporter.Load(model)).Message);
    }

    // A copy of the committed external-data fixture in its own folder.
    private string CopyFixture()
    {
        string folder = Path.Combine(_temp.Path, "m" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        foreach (string f in new[] { "model.onnx", "model.onnx.data" })
            File.Copy(RepositoryFiles.Path($"tests/fixtures/onnx/external/{f}"), Path.Combine(folder, f));
        return folder;
    }

    // Applies `change` to the largest external initializer and saves the model as bad.onnx in the folder.
    private static string Rewrite(string folder, Action<TensorProto> change)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, "model.onnx")));
        TensorProto tensor = model.Graph.Initializer.Where(t => t.ExternalData.Count > 0).MaxBy(t => t.Dims.Aggregate(1L, (a, d) => a * d))!;
        change(tensor);
        string path = Path.Combine(folder, "bad.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    private static void SetEntry(TensorProto tensor, string key, string value)
    {
        StringStringEntryProto? entry = tensor.ExternalData.FirstOrDefault(e => e.Key == key);
        if (entry is null) tensor.ExternalData.Add(entry = new StringStringEntryProto { Key = key });
        entry.Value = value;
    }
}
