using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Tests.Layers;
using Xunit;

namespace SnnConvert.Tests.Models;

public sealed class ModelFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly string[] Classes = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>A zoo model with random weights and non-default batch-norm affine parameters and running statistics.</summary>
    private static SavedModel Model(string name, int seed = 1)
    {
        ZooModel zoo = ModelZoo.Find(name)!;
        Network network = zoo.Build(new Random(seed));
        var rng = new Random(seed + 100);
        foreach (Layer layer in network.Layers.Where(l => l is BatchNormLayer))
        {
            var bn = (BatchNormLayer)layer;
            GradientCheck.Fill(rng, bn.Gamma.Value.Span, 0.5, 1.5);
            GradientCheck.Fill(rng, bn.Beta.Value.Span, -0.5, 0.5);
            GradientCheck.Fill(rng, bn.RunningMean.Span, -0.5, 0.5);
            GradientCheck.Fill(rng, bn.RunningVar.Span, 0.5, 2);
        }
        var training = new JsonObject { ["seed"] = seed, ["note"] = "unit test", ["history"] = new JsonArray(1.5, 2.5) };
        return new SavedModel(network, zoo.Dataset, Classes, training);
    }

    private string SavedMnist(string file = "m.snnm")
    {
        string path = _temp.File(file);
        ModelFile.Save(path, Model("mnist-seed"));
        return path;
    }

    public static TheoryData<string> ZooNames() => new(ModelZoo.All.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Save_then_load_reproduces_the_model_exactly(string name)
    {
        SavedModel original = Model(name);
        string path = _temp.File(name + ".snnm");
        ModelFile.Save(path, original);
        SavedModel loaded = ModelFile.Load(path);

        Assert.Equal(original.Network.Name, loaded.Network.Name);
        Assert.Equal(original.Network.InputShape, loaded.Network.InputShape);
        Assert.Equal(original.Network.Architecture, loaded.Network.Architecture);   // records: value equality
        Assert.Equal(original.Dataset, loaded.Dataset);
        Assert.Equal(original.ClassNames, loaded.ClassNames);
        Assert.Equal(original.Training.ToJsonString(), loaded.Training.ToJsonString());

        var a = original.Network.StateTensors.ToList();
        var b = loaded.Network.StateTensors.ToList();
        Assert.Equal(a.Select(t => t.Name), b.Select(t => t.Name));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Value.Shape, b[i].Value.Shape);
            Assert.False(ReferenceEquals(a[i].Value.Data, b[i].Value.Data));
            Assert.True(a[i].Value.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b[i].Value.Data.Select(BitConverter.SingleToInt32Bits)),
                $"tensor {a[i].Name} differs after the round trip");
        }

        // Identical predictions in evaluation mode (dropout off, batch norm on running statistics).
        Tensor batch = GradientCheck.RandomTensor(new Random(2), [2, .. original.Network.InputShape], 0, 1);
        float[] expected = original.Network.Forward(batch, ForwardContext.Eval).Data;
        float[] actual = loaded.Network.Forward(batch, ForwardContext.Eval).Data;
        Assert.Equal(10 * 2, actual.Length);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_file_follows_the_documented_layout()
    {
        SavedModel model = Model("mnist-seed");
        string path = _temp.File("layout.snnm");
        ModelFile.Save(path, model);
        var raw = ContainerFiles.Read(File.ReadAllBytes(path));   // magic, lengths and SHA-256 checked there
        Assert.Equal(1u, raw.Version);
        var json = JsonNode.Parse(raw.HeaderJson)!.AsObject();
        Assert.Equal("model", json["kind"]!.GetValue<string>());
        Assert.Equal("mnist-seed", json["header"]!["name"]!.GetValue<string>());
        var entries = json["tensors"]!.AsArray();
        var state = model.Network.StateTensors.ToList();
        Assert.Equal(state.Select(t => t.Name), entries.Select(e => e!["name"]!.GetValue<string>()));
        // Payload: the tensors' float32 values, little-endian, in order.
        int offset = 0;
        foreach (var (name, value) in state)
        {
            Assert.Equal(value.Shape, entries.First(e => e!["name"]!.GetValue<string>() == name)!["shape"]!.AsArray().Select(d => d!.GetValue<int>()));
            for (int i = 0; i < value.Length; i++, offset += 4)
                Assert.Equal(value.Data[i], BinaryPrimitives.ReadSingleLittleEndian(raw.Payload.AsSpan(offset)));
        }
        Assert.Equal(raw.Payload.Length, offset);
    }

    // ---- Damaged or inconsistent files: ModelFormatException naming the file and the problem ----------

    private static void AssertRejected(string path, params string[] keywords)
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        foreach (string k in keywords) Assert.Contains(k, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(5, e.ExitCode);
    }

    [Theory]
    [InlineData(1)]      // last checksum byte missing
    [InlineData(33)]     // checksum and one payload byte missing
    [InlineData(1000)]   // deep into the payload
    public void Truncated_file(int bytesRemoved)
    {
        string path = SavedMnist();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^bytesRemoved]);
        AssertRejected(path, "truncated");
    }

    [Theory]
    [InlineData(20)]    // shorter than the fixed fields
    [InlineData(100)]   // inside the JSON header
    public void File_cut_before_the_payload(int keep)
    {
        string path = SavedMnist();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..keep]);
        var e = Assert.Throws<ModelFormatException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains("too short") || e.Message.Contains("truncated"), e.Message);
    }

    [Fact]
    public void Flipped_payload_byte_fails_the_checksum()
    {
        string path = SavedMnist();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[ContainerFiles.PayloadOffset(bytes) + 1234] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "checksum");
    }

    [Fact]
    public void Flipped_header_byte_fails_the_checksum()
    {
        string path = SavedMnist();
        byte[] bytes = File.ReadAllBytes(path);
        int at = Array.IndexOf(bytes, (byte)'m', 12);   // a letter inside the JSON header ("model"/"mnist")
        bytes[at] = (byte)'M';
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "checksum");
    }

    [Fact]
    public void Wrong_magic()
    {
        string path = SavedMnist();
        byte[] bytes = File.ReadAllBytes(path);
        "PK\x03\x04"u8.CopyTo(bytes);
        ContainerFiles.FixChecksum(bytes);
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "magic");
    }

    [Fact]
    public void Unknown_version()
    {
        string path = SavedMnist();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 2);
        ContainerFiles.FixChecksum(bytes);
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "version is 2");
    }

    [Fact]
    public void Architecture_whose_weights_have_other_shapes()
    {
        // conv1 5x5 -> 3x3 still chains (28 -> 26 -> 13 -> 9 -> 4, 64 * 16 = 1024) but tensor 0.weight is 12x1x5x5.
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header["architecture"]![0]!["kernel"] = 3);
        AssertRejected(path, "0.weight", "[12, 1, 5, 5]", "[12, 1, 3, 3]");
    }

    [Fact]
    public void Architecture_that_does_not_chain()
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header["architecture"]![9]!["inFeatures"] = 1000);
        AssertRejected(path, "architecture is inconsistent", "linear 1000->10");
    }

    [Fact]
    public void Architecture_with_an_impossible_setting()
    {
        // Stride 0 divided by zero while computing shapes, escaping as DivideByZeroException.
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header["architecture"]![4]!["stride"] = 0);
        AssertRejected(path, "architecture is inconsistent", "stride");
    }

    [Fact]
    public void Architecture_with_a_bias_the_file_does_not_have()
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header["architecture"]![9]!["bias"] = true);
        AssertRejected(path, "9.bias", "missing");
    }

    [Fact]
    public void Tensor_that_is_not_part_of_the_architecture()
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, editTensors: t => t.Add(("3.weight", new Tensor(2, 2))));
        AssertRejected(path, "3.weight", "not part of the architecture");
    }

    [Fact]
    public void Tensor_that_appears_twice()
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, editTensors: t => t.Add(t[0]));
        AssertRejected(path, "0.weight", "appears twice");
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_weight(float bad)
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, editTensors: t => t.Single(x => x.Name == "4.weight").Value.Data[77] = bad);
        AssertRejected(path, "4.weight", "non-finite", "index 77");
    }

    [Fact]
    public void Class_names_that_do_not_match_the_output()
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header["classes"]!.AsArray().RemoveAt(0));
        AssertRejected(path, "9 class names", "10");
    }

    [Fact]
    public void Checkpoint_instead_of_model()
    {
        string path = _temp.File("c.ckpt");
        SavedModel model = Model("mnist-seed");
        TensorContainer.Save(path, "checkpoint", ModelFile.Header(model), model.Network.StateTensors);
        AssertRejected(path, "kind", "checkpoint");
    }

    [Fact]
    public void Missing_file()
    {
        string path = _temp.File("absent.snnm");
        AssertRejected(path, "cannot read");
    }

    [Theory]
    [InlineData("name", "5")]
    [InlineData("dataset", "5")]
    [InlineData("training", "[1, 2]")]
    [InlineData("classes", "\"ten\"")]
    [InlineData("inputShape", "[\"a\"]")]
    [InlineData("architecture", "[{\"type\": \"conv9d\"}]")]
    public void Header_field_of_the_wrong_type(string field, string json)
    {
        string path = SavedMnist();
        ContainerFiles.Rewrite(path, header => header[field] = JsonNode.Parse(json));
        AssertRejected(path, field);
    }

    [Theory]
    [InlineData("{\"kind\": 5, \"header\": {}, \"tensors\": []}", "kind")]
    [InlineData("{\"kind\": \"model\", \"header\": [], \"tensors\": []}", "header")]
    [InlineData("{\"kind\": \"model\", \"header\": {}, \"tensors\": [5]}", "tensor")]
    [InlineData("{\"kind\": \"model\", \"header\": {}, \"tensors\": [{\"name\": \"a\", \"shape\": [\"x\"]}]}", "shape")]
    [InlineData("{\"kind\": \"model\", \"header\": {}, \"tensors\": [{\"name\": \"a\", \"shape\": [1, -4]}]}", "negative")]
    [InlineData("{\"kind\": \"model\", \"header\": {}, \"tensors\": [{\"name\": \"a\", \"shape\": [1000]}]}", "payload")]
    [InlineData("not json", "JSON")]
    public void Container_header_that_is_malformed(string headerJson, string keyword)
    {
        // A well-formed container (correct lengths and checksum) whose JSON is wrong.
        string path = _temp.File("bad.snnm");
        File.WriteAllBytes(path, ContainerFiles.Build(1, headerJson, new byte[8]));
        var e = Assert.Throws<ModelFormatException>(() => TensorContainer.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(keyword, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
