using PureHDF;
using SnnConvert.Errors;
using SnnConvert.Nir;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Nir;

/// <summary>Files written by other tools (built here from the NIR specification with PureHDF) and refused files.</summary>
public sealed class NirImportTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_file_built_from_the_specification_loads()
    {
        // Shuffled node names and edges, int32 sizes, float64 weights, padding as a pair, no SnnConvert metadata, sum pooling
        // followed by a Scale, and an Affine straight into the Output (membrane readout): what another writer may produce.
        float[] convWeight = [0.5f, -0.25f, 0.125f, 0.25f, 0.5f, 0.25f, -0.125f, 0.25f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f, 0.5f, 0.25f, 0.25f, 0.25f, 0.25f];
        float[] fcWeight = TestNets.Dyadic(new Random(4), 24, 8);
        float[] thresholds = new float[2 * 4 * 4];
        for (int i = 0; i < thresholds.Length; i++) thresholds[i] = i < 16 ? 0.5f : 0.75f;
        var file = new H5File
        {
            ["version"] = new H5Dataset("1.0.0"),
            ["node"] = new H5Group
            {
                ["type"] = new H5Dataset("NIRGraph"),
                ["edges"] = new H5Dataset(new[] { "fc", "out", "in", "c", "sp", "sc", "n1", "sp", "c", "n1", "fl", "fc", "sc", "fl" }, fileDims: [7, 2]),
                ["nodes"] = new H5Group
                {
                    ["out"] = new H5Group { ["type"] = new H5Dataset("Output"), ["shape"] = new H5Dataset(new[] { 3 }) },
                    ["in"] = new H5Group { ["type"] = new H5Dataset("Input"), ["shape"] = new H5Dataset(new[] { 1, 4, 4 }) },
                    ["c"] = new H5Group
                    {
                        ["type"] = new H5Dataset("Conv2d"),
                        ["input_shape"] = new H5Dataset(new[] { 4, 4 }),
                        ["weight"] = new H5Dataset(Array.ConvertAll(convWeight, v => (double)v), fileDims: [2, 1, 3, 3]),
                        ["stride"] = new H5Dataset(new[] { 1, 1 }),
                        ["padding"] = new H5Dataset(new[] { 1, 1 }),
                        ["dilation"] = new H5Dataset(new[] { 1, 1 }),
                        ["groups"] = new H5Dataset(1L),
                        ["bias"] = new H5Dataset(new[] { 0.25, -0.125 }),
                    },
                    ["n1"] = new H5Group
                    {
                        ["type"] = new H5Dataset("IF"),
                        ["r"] = new H5Dataset(Enumerable.Repeat(1f, 32).ToArray(), fileDims: [2, 4, 4]),
                        ["v_threshold"] = new H5Dataset(thresholds, fileDims: [2, 4, 4]),
                        ["v_reset"] = new H5Dataset(new float[32], fileDims: [2, 4, 4]),
                    },
                    ["sp"] = new H5Group
                    {
                        ["type"] = new H5Dataset("SumPool2d"),
                        ["kernel_size"] = new H5Dataset(new[] { 2, 2 }), ["stride"] = new H5Dataset(new[] { 2, 2 }), ["padding"] = new H5Dataset(new[] { 0, 0 }),
                    },
                    ["sc"] = new H5Group { ["type"] = new H5Dataset("Scale"), ["scale"] = new H5Dataset(Enumerable.Repeat(0.25f, 8).ToArray(), fileDims: [2, 2, 2]) },
                    ["fl"] = new H5Group
                    {
                        ["type"] = new H5Dataset("Flatten"), ["input_type"] = new H5Dataset(new[] { 2, 2, 2 }),
                        ["start_dim"] = new H5Dataset(0L), ["end_dim"] = new H5Dataset(-1L),
                    },
                    ["fc"] = new H5Group { ["type"] = new H5Dataset("Affine"), ["weight"] = new H5Dataset(fcWeight, fileDims: [3, 8]), ["bias"] = new H5Dataset(new[] { 0.5f, 0f, -0.5f }) },
                },
            },
        };
        string path = _dir.File("foreign.nir");
        file.Write(path);

        SpikingNetwork imported = NirImporter.Load(path);
        SpikingNetwork expected = new(
            "foreign", [1, 4, 4],
            [
                new SnnConv2d(1, 2, 3, 1, 1) { Weight = convWeight, Bias = [0.25f, -0.125f], Thresholds = [0.5f, 0.75f], Spiking = true },
                new SnnAvgPool2d(2, 2),
                new SnnFlatten(),
                new SnnLinear(8, 3) { Weight = fcWeight, Bias = [0.5f, 0f, -0.5f], Spiking = false },
            ],
            ["0", "1", "2"], null, new NeuronModel(ResetMode.Hard, InitialMembrane.Zero), Readout.Membrane, new());
        NirRoundTripTests.AssertSameNetwork(expected, imported);
        NirRoundTripTests.AssertSameSimulation(expected, imported, TestNets.Binary(5, 1, 4, 4, 3, seed: 3, density: 0.8), steps: 8);
    }

    [Fact]
    public void A_file_that_is_not_HDF5_is_refused_with_its_path()
    {
        string path = _dir.Write("noise.nir", Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());
        var e = Assert.Throws<NirFormatException>(() => NirImporter.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a readable HDF5 file", e.Message);
        Assert.Equal(10, e.ExitCode);
    }

    [Fact]
    public void A_truncated_file_is_refused()
    {
        string good = _dir.File("good.nir");
        NirExporter.Save(good, Valid());
        byte[] bytes = File.ReadAllBytes(good);
        string path = _dir.Write("cut.nir", bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<NirFormatException>(() => NirImporter.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_file_without_version_is_refused()
    {
        string path = _dir.File("noversion.nir");
        new H5File { ["node"] = new H5Group { ["type"] = new H5Dataset("NIRGraph") } }.Write(path);
        var e = Assert.Throws<NirFormatException>(() => NirImporter.Load(path));
        Assert.Contains("\"/version\" is missing", e.Message);
    }

    [Fact]
    public void An_unknown_node_type_is_named()
    {
        NirGraph graph = Valid(out _);
        string message = Refusal(WithNode(graph, "pool1", graph.Nodes["pool1"] with { Type = "Delay" }));
        Assert.Contains("node \"pool1\" (Delay)", message);
        Assert.Contains("not supported", message);
    }

    [Fact]
    public void A_missing_field_is_named_with_its_node()
    {
        NirGraph graph = Valid(out _);
        NirNode neuron = graph.Nodes["if0"];
        var fields = neuron.Fields.Where(f => f.Key != "v_threshold").ToDictionary();
        string message = Refusal(WithNode(graph, "if0", neuron with { Fields = fields }));
        Assert.Contains("node \"if0\" (IF): field \"v_threshold\" is missing", message);
    }

    [Fact]
    public void Thresholds_that_vary_within_a_channel_are_refused()
    {
        NirGraph graph = Valid(out _);
        NirNode neuron = graph.Nodes["if0"];
        var threshold = (NirFloats)neuron.Fields["v_threshold"];
        float[] values = (float[])threshold.Values.Clone();
        values[7] += 0.5f;
        var fields = neuron.Fields.ToDictionary();
        fields["v_threshold"] = threshold with { Values = values };
        string message = Refusal(WithNode(graph, "if0", neuron with { Fields = fields }));
        Assert.Contains("node \"if0\" (IF): field \"v_threshold\" differs within channel 0", message);
    }

    [Fact]
    public void A_nonzero_reset_potential_is_refused()
    {
        NirGraph graph = Valid(out _);
        NirNode neuron = graph.Nodes["if0"];
        var fields = neuron.Fields.ToDictionary();
        fields["v_reset"] = new NirFloats(-1f);
        Assert.Contains("field \"v_reset\" is -1", Refusal(WithNode(graph, "if0", neuron with { Fields = fields })));
    }

    [Fact]
    public void Edges_that_branch_do_not_form_a_chain()
    {
        NirGraph graph = Valid(out _);
        string message = Refusal(graph with { Edges = [.. graph.Edges, new NirEdge("conv0", "output")] });
        Assert.Contains("edges do not form a chain: node \"conv0\" feeds both", message);
    }

    [Fact]
    public void Edges_with_a_gap_do_not_form_a_chain()
    {
        NirGraph graph = Valid(out _);
        string message = Refusal(graph with { Edges = graph.Edges.Where(e => e.Source != "pool1").ToArray() });
        Assert.Contains("edges do not form a chain: node \"pool1\" has no outgoing edge", message);
    }

    [Fact]
    public void An_edge_to_an_unknown_node_is_named()
    {
        NirGraph graph = Valid(out _);
        string message = Refusal(graph with { Edges = graph.Edges.Select(e => e.Target == "output" ? e with { Target = "outptu" } : e).ToArray() });
        Assert.Contains("names node \"outptu\", which the graph does not have", message);
    }

    [Fact]
    public void Two_weighted_nodes_without_neurons_between_are_refused()
    {
        NirGraph graph = Valid(out _);
        // Drop the IF node after conv2 and link the conv straight to the flatten.
        var nodes = graph.Nodes.Where(n => n.Key != "if2").ToDictionary();
        var edges = graph.Edges.Where(e => e.Target != "if2").Select(e => e.Source == "if2" ? e with { Source = "conv2" } : e).ToArray();
        string message = Refusal(graph with { Nodes = nodes, Edges = edges });
        Assert.Contains("node \"flatten3\" (Flatten): follows the weighted node \"conv2\" directly", message);
    }

    private static SpikingNetwork Valid() =>
        TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 1), [0.5f, 0.25f, 0.75f], [0.5f], [0.25f, 0.5f, 0.5f, 0.75f, 1f]);

    private static NirGraph Valid(out SpikingNetwork net)
    {
        net = Valid();
        return NirExporter.ToGraph(net);
    }

    private static NirGraph WithNode(NirGraph graph, string name, NirNode node)
    {
        var nodes = graph.Nodes.ToDictionary();
        nodes[name] = node;
        return graph with { Nodes = nodes };
    }

    // Through the file, as a user meets it: write, then load.
    private string Refusal(NirGraph graph)
    {
        string path = _dir.File($"bad-{Guid.NewGuid():N}.nir");
        NirFile.Write(path, graph);
        var e = Assert.Throws<NirFormatException>(() => NirImporter.Load(path));
        Assert.StartsWith(path + ":", e.Message);
        return e.Message;
    }
}
