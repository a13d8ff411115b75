using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Tests.Models;
using Xunit;

namespace SnnConvert.Tests.Snn;

public sealed class SnnFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Every layer type, pad values, biases (and a layer without), per-channel and layer-wise thresholds,
    /// a calibrated output layer, hard reset, half-threshold start, spike-count readout and a nested conversion record.</summary>
    private static SpikingNetwork Network()
    {
        var rng = new Random(31);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.45)).ToArray();
        var conversion = new JsonObject
        {
            ["method"] = "max-current",
            ["percentile"] = 99.5,
            ["warnings"] = new JsonArray("layer 2: max pooling replaced"),
            ["layers"] = new JsonArray(new JsonObject { ["stage"] = 0, ["deadChannels"] = 1, ["mean"] = 0.123456789 }),
            ["nested"] = new JsonObject { ["flag"] = true, ["none"] = null },
        };
        return new SpikingNetwork("file-net", [2, 6, 6], [
                new SnnConv2d(2, 3, 3, 1, 1) { Weight = R(54), Bias = R(3), PadValues = [0.1307f, 0.5f], Thresholds = [0.5f, 0.75f, 1.25f], Spiking = true },
                new SnnAvgPool2d(2, 2),
                new SnnConv2d(3, 4, 3, 2, 1) { Weight = R(108), Thresholds = [0.875f], Spiking = true },
                new SnnFlatten(),
                new SnnLinear(16, 6) { Weight = R(96), Bias = R(6), Thresholds = [0.6f], Spiking = true },
                new SnnLinear(6, 3) { Weight = R(18), Bias = R(3), Thresholds = [0.4f, 0.3f, 0.2f], Spiking = false },
            ], ["a", "b", "c"], "mnist", new NeuronModel(ResetMode.Hard, InitialMembrane.HalfThreshold), Readout.SpikeCount, ConversionRecord.FromJson(conversion));
    }

    private static void AssertSameNetwork(SpikingNetwork expected, SpikingNetwork actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.InputShape, actual.InputShape);
        Assert.Equal(expected.ClassNames, actual.ClassNames);
        Assert.Equal(expected.Dataset, actual.Dataset);
        Assert.Equal(expected.Neuron, actual.Neuron);
        Assert.Equal(expected.Readout, actual.Readout);
        Assert.Equal(expected.Conversion.ToJson().ToJsonString(), actual.Conversion.ToJson().ToJsonString());
        Assert.Equal(expected.Layers.Count, actual.Layers.Count);
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            SnnLayer e = expected.Layers[i], a = actual.Layers[i];
            Assert.Equal(e.GetType(), a.GetType());
            if (e is SynapticLayer se)
            {
                var sa = (SynapticLayer)a;
                Assert.Equal(se.Weight, sa.Weight);
                Assert.Equal(se.Bias, sa.Bias);
                Assert.Equal(se.Thresholds, sa.Thresholds);
                Assert.Equal(se.Spiking, sa.Spiking);
                // Sizes and the rest: the expected record with the loaded arrays swapped in (records compare arrays by reference).
                SnnLayer aligned = se switch
                {
                    SnnConv2d c => c with { Weight = sa.Weight, Bias = sa.Bias, Thresholds = sa.Thresholds, PadValues = ((SnnConv2d)a).PadValues },
                    _ => se with { Weight = sa.Weight, Bias = sa.Bias, Thresholds = sa.Thresholds },
                };
                Assert.Equal(aligned, a);
                if (e is SnnConv2d ce) Assert.Equal(ce.PadValues, ((SnnConv2d)a).PadValues);
            }
            else Assert.Equal(e, a);
        }
    }

    [Fact]
    public void Save_then_load_reproduces_the_network_and_its_simulation()
    {
        SpikingNetwork original = Network();
        string path = _temp.File("net.snn");
        SnnFile.Save(path, original);
        SpikingNetwork loaded = SnnFile.Load(path);
        AssertSameNetwork(original, loaded);

        var data = TestNets.Grey(9, 2, 6, 6, 3, seed: 32);
        foreach (var options in new[] { new SimulationOptions(12), new SimulationOptions(12, InputEncoding.Rate, Seed: 5) })
        {
            SimulationResult a = SnnSimulator.Run(original, data, options), b = SnnSimulator.Run(loaded, data, options);
            Assert.Equal(a.CorrectAtStep, b.CorrectAtStep);
            for (int i = 0; i < a.Layers.Count; i++) Assert.Equal(a.Layers[i].SpikesAtStep, b.Layers[i].SpikesAtStep);
            Assert.True(a.Layers.Sum(l => l.SpikesAtStep.Sum()) > 0);
        }
    }

    [Fact]
    public void Round_trip_of_a_minimal_network_without_dataset_or_output_thresholds()
    {
        SpikingNetwork original = TestNets.Network([1, 1, 2], 2,
            new SnnFlatten(),
            new SnnLinear(2, 2) { Weight = [1f, -1f, 0.5f, 0.25f], Thresholds = [1f, 0.5f], Spiking = true },
            new SnnLinear(2, 2) { Weight = [1f, 0f, 0f, 1f], Spiking = false });
        string path = _temp.File("min.snn");
        SnnFile.Save(path, original);
        AssertSameNetwork(original, SnnFile.Load(path));
    }

    private string Saved()
    {
        string path = _temp.File("net.snn");
        SnnFile.Save(path, Network());
        return path;
    }

    private static ModelFormatException Refused(string path)
    {
        var e = Assert.Throws<ModelFormatException>(() => SnnFile.Load(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_it()
    {
        string path = Saved();
        byte[] bytes = File.ReadAllBytes(path);
        foreach (int length in new[] { 0, 10, bytes.Length / 2, bytes.Length - 1 })
        {
            File.WriteAllBytes(path, bytes[..length]);
            Refused(path);
        }
    }

    [Fact]
    public void A_corrupted_byte_is_refused_by_the_checksum()
    {
        string path = Saved();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[ContainerFiles.PayloadOffset(bytes) + 17] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Refused(path).Message);
    }

    [Fact]
    public void A_model_file_is_refused_as_the_wrong_kind()
    {
        string path = _temp.File("model.snnm");
        var network = new Network("cnn", [new SnnConvert.Layers.FlattenSpec(), new SnnConvert.Layers.LinearSpec(4, 2)], [1, 2, 2], new Random(1));
        ModelFile.Save(path, new SavedModel(network, null, ["a", "b"], new JsonObject()));
        Assert.Contains("expected \"snn\"", Refused(path).Message);
    }

    [Fact]
    public void A_missing_tensor_is_refused_naming_it()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t => t.RemoveAll(x => x.Name == "2.weight"));
        Assert.Contains("\"2.weight\"", Refused(path).Message);
    }

    [Fact]
    public void A_tensor_of_no_layer_is_refused()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t => t.Add(("9.weight", new Tensor([1f], 1))));
        Assert.Contains("\"9.weight\"", Refused(path).Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.5f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_positive_or_non_finite_threshold_is_refused(float bad)
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t =>
        {
            int i = t.FindIndex(x => x.Name == "0.thresholds");
            float[] values = (float[])t[i].Value.Data.Clone();
            values[1] = bad;
            t[i] = ("0.thresholds", new Tensor(values, values.Length));
        });
        string message = Refused(path).Message;
        Assert.Contains("threshold 1", message);
    }

    [Fact]
    public void A_missing_threshold_of_a_spiking_layer_is_refused()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t => t.RemoveAll(x => x.Name == "4.thresholds"));
        Refused(path);
    }

    [Fact]
    public void Wrong_sizes_and_unknown_fields_are_refused()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![0]!["outChannels"] = 5);
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["neuron"]!["reset"] = "sideways");
        Assert.Contains("neuron.reset", Refused(path).Message);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![1]!["type"] = "maxpool2d");
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h.Remove("readout"));
        Refused(path);
    }

    [Fact]
    public void A_duplicated_tensor_name_is_refused()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t => t.Add(("0.bias", new Tensor([1f, 2f, 3f], 3))));
        Assert.Contains("\"0.bias\"", Refused(path).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_pooling_stride_or_kernel_that_is_not_positive_is_refused(int bad)
    {
        // A stride of 0 would give the shape of stride = kernel (AvgPool2dSpec's default) but average one window everywhere.
        string path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![1]!["stride"] = bad);
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![1]!["kernel"] = bad);
        Refused(path);
    }

    [Theory]
    [InlineData("0.bias")]
    [InlineData("0.pad_values")]
    public void A_non_finite_bias_or_pad_value_is_refused(string tensor)
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editTensors: t =>
        {
            int i = t.FindIndex(x => x.Name == tensor);
            float[] values = (float[])t[i].Value.Data.Clone();
            values[0] = float.NaN;
            t[i] = (tensor, new Tensor(values, values.Length));
        });
        Assert.Contains("non-finite", Refused(path).Message);
    }

    [Fact]
    public void Null_or_out_of_range_header_values_are_refused()
    {
        string path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["inputShape"] = new JsonArray(2, null, 6));
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["classes"] = new JsonArray("a", null, "c"));
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![1]!["kernel"] = 1e20);
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"]![1] = null);
        Refused(path);
        path = Saved();
        ContainerFiles.Rewrite(path, editHeader: h => h["layers"] = "none");
        Refused(path);
    }
}
