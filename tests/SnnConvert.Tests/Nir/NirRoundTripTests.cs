using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Nir;

/// <summary>Export -> import gives back the same network: weights, thresholds, settings and simulation results.</summary>
public sealed class NirRoundTripTests
{
    public static TheoryData<string> ZooModels => new(ModelZoo.All.Select(m => m.Name));

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void Round_trip_of_every_zoo_model_keeps_thresholds_and_predictions(string zooName)
    {
        SpikingNetwork net = ZooSnn(zooName, seed: 3);
        using var dir = new TempDirectory();
        string path = dir.File(zooName + ".nir");
        NirExporter.Save(path, net);
        SpikingNetwork back = NirImporter.Load(path);

        // The file holds weights divided by the thresholds (and by k^2 after a pooling); reading multiplies them back,
        // and the values that do not come back exactly are in the metadata.
        AssertSameNetworkAndSimulation(net, back, imageSeed: 5);
    }

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void Files_of_the_form_before_NIR_1_0_7_still_read_back_exactly(string zooName)
    {
        SpikingNetwork net = ZooSnn(zooName, seed: 3);
        using var dir = new TempDirectory();
        string path = dir.File(zooName + ".nir");
        NirFile.Write(path, LegacyNirExporter.ToGraph(net));
        SpikingNetwork back = NirImporter.Load(path);

        AssertSameNetworkAndSimulation(net, back, imageSeed: 5);
    }

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void Dense_layers_written_as_convolutions_read_back_as_flatten_and_dense(string zooName)
    {
        SpikingNetwork net = ZooSnn(zooName, seed: 6);
        using var dir = new TempDirectory();
        string path = dir.File(zooName + ".nir");
        NirExporter.Save(path, net, new NirExportOptions(DenseAsConv: true));
        NirGraph graph = NirFile.Read(path);
        Assert.DoesNotContain(graph.Nodes.Values, n => n.Type is "Flatten" or "Affine" or "Linear");
        Assert.Equal(new long[] { net.ClassNames.Count, 1, 1 }, ((NirIntegers)graph.Nodes[NirExporter.OutputNode].Fields["shape"]).Values);
        SpikingNetwork back = NirImporter.Load(path);

        AssertSameNetworkAndSimulation(net, back, imageSeed: 7);
    }

    [Fact]
    public void A_plain_file_reads_back_as_the_hard_reset_network_with_unit_thresholds()
    {
        SpikingNetwork net = ZooSnn("fmnist-net", seed: 8) with { Neuron = new NeuronModel(ResetMode.Hard, InitialMembrane.Zero) };
        using var dir = new TempDirectory();
        string path = dir.File("plain.nir");
        NirExporter.Save(path, net, new NirExportOptions(Plain: true));
        NirGraph graph = NirFile.Read(path);
        Assert.Empty(graph.Metadata);
        Assert.All(graph.Nodes.Values, n => Assert.Empty(n.Metadata));
        SpikingNetwork back = NirImporter.Load(path);

        Assert.Equal("plain", back.Name);
        Assert.Equal(net.Neuron, back.Neuron);
        Assert.All(back.Layers.OfType<SynapticLayer>().Where(l => l.Spiking), l => Assert.Equal([1f], l.Thresholds));
        ImageDataset images = TestNets.Grey(20, 1, 28, 28, 10, seed: 9);
        Assert.Equal(NirSemanticsReader.Simulate(net, images, 8), NirSemanticsReader.Simulate(back, images, 8));
    }

    [Fact]
    public void Round_trip_keeps_hard_reset_half_threshold_start_and_spike_count_readout()
    {
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 2);
        SpikingNetwork net = TestNets.WithThresholds(template, [0.5f, 0.25f, 0.75f], [0.5f], [0.25f, 0.5f, 0.5f, 0.75f, 1f], [1f, 0.5f, 0.75f])
            with { Neuron = new NeuronModel(ResetMode.Hard, InitialMembrane.HalfThreshold), Readout = Readout.SpikeCount, Dataset = "mnist" };
        net = net with { Conversion = net.Conversion with { Method = "test" } };
        using var dir = new TempDirectory();
        foreach (bool legacy in new[] { false, true })
        {
            string path = dir.File($"hard-{legacy}.nir");
            NirFile.Write(path, legacy ? LegacyNirExporter.ToGraph(net) : NirExporter.ToGraph(net));
            SpikingNetwork back = NirImporter.Load(path);

            // Dyadic weights and thresholds (powers of two) divide and multiply back exactly.
            AssertSameNetwork(net, back);
            AssertSameSimulation(net, back, TestNets.Binary(6, 1, 6, 6, 3, seed: 9), steps: 10);
        }
    }

    [Fact]
    public void Spiking_network_file_loads_nir_by_extension_and_snn_otherwise()
    {
        SpikingNetwork net = ZooSnn("mnist-seed", seed: 1);
        using var dir = new TempDirectory();
        NirExporter.Save(dir.File("a.nir"), net);
        SnnFile.Save(dir.File("a.snn"), net);
        AssertSameNetwork(net, SpikingNetworkFile.Load(dir.File("a.nir")));
        AssertSameNetwork(net, SpikingNetworkFile.Load(dir.File("a.snn")));
    }

    /// <summary>
    /// A zoo architecture with random weights, converted (normalisation and batch norm folded, so fmnist and cifar10
    /// have pad values) and given random positive thresholds: per channel on the conv layers, one per layer on dense ones.
    /// </summary>
    internal static SpikingNetwork ZooSnn(string zooName, int seed)
    {
        ZooModel zoo = ModelZoo.Find(zooName)!;
        var model = new SavedModel(zoo.Build(new Random(seed)), zoo.Dataset, TestNets.Classes(10), new());
        SpikingNetwork net = SnnTemplateBuilder.Build(model).Network;
        var rng = new Random(seed + 100);
        var layers = net.Layers.ToArray();
        for (int i = 0; i < layers.Length; i++)
            if (layers[i] is SynapticLayer { Spiking: true } s)
                layers[i] = s with { Thresholds = Enumerable.Range(0, s is SnnConv2d ? s.OutputChannels : 1).Select(_ => 0.05f + 0.5f * rng.NextSingle()).ToArray() };
        net = net with { Layers = layers };
        net = net with { Conversion = net.Conversion with { Method = "random thresholds" } };
        net.Validate(zooName, requireThresholds: true);
        return net;
    }

    // The same network, and the same simulation of four grey test images for 6 steps.
    private static void AssertSameNetworkAndSimulation(SpikingNetwork net, SpikingNetwork back, int imageSeed)
    {
        AssertSameNetwork(net, back);
        ImageDataset images = TestNets.Grey(4, net.InputShape[0], net.InputShape[1], net.InputShape[2], net.ClassNames.Count, seed: imageSeed);
        AssertSameSimulation(net, back, images, steps: 6);
    }

    internal static void AssertSameNetwork(SpikingNetwork expected, SpikingNetwork actual)
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
            Assert.Equal(e.Describe(), a.Describe());
            if (e is SynapticLayer es && a is SynapticLayer @as)
            {
                Assert.Equal(es.Weight, @as.Weight);
                Assert.Equal(es.Bias, @as.Bias);
                Assert.Equal(es.Thresholds, @as.Thresholds);
                Assert.Equal(es.Spiking, @as.Spiking);
            }
            if (e is SnnConv2d ec && a is SnnConv2d ac) Assert.Equal(ec.PadValues, ac.PadValues);
        }
    }

    internal static void AssertSameSimulation(SpikingNetwork expected, SpikingNetwork actual, ImageDataset images, int steps)
    {
        var options = new SimulationOptions(steps, BatchSize: images.Count);
        SimulationResult a = SnnSimulator.Run(expected, images, options), b = SnnSimulator.Run(actual, images, options);
        Assert.Equal(a.CorrectAtStep, b.CorrectAtStep);
        Assert.Equal(a.Layers.Count, b.Layers.Count);
        for (int l = 0; l < a.Layers.Count; l++)
        {
            Assert.Equal(a.Layers[l].SpikesAtStep, b.Layers[l].SpikesAtStep);
            Assert.Equal(a.Layers[l].SynOpsAtStep, b.Layers[l].SynOpsAtStep);
        }
        Assert.True(a.Layers.Sum(l => l.SpikesAtStep.Sum()) > 0, "the test network should spike");
    }
}
