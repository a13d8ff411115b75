using PureHDF;
using SnnConvert.Nir;
using SnnConvert.Snn;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Nir;

/// <summary>
/// The written file has the groups and datasets the NIR reference serializer writes (read back with PureHDF directly,
/// not through NirFile), and, where Debian's python3-h5py is installed, tools/list_nir.py lists it.
/// </summary>
public sealed class NirLayoutTests(ITestOutputHelper output)
{
    [Fact]
    public void Written_file_has_the_groups_and_datasets_of_the_NIR_layout()
    {
        SpikingNetwork net = NirRoundTripTests.ZooSnn("fmnist-net", seed: 4);
        using var dir = new TempDirectory();
        string path = dir.File("fmnist.nir");
        NirExporter.Save(path, net);

        using var file = H5File.OpenRead(path);
        Assert.Equal(NirExporter.Version, file.Dataset("version").Read<string>());
        IH5Group graph = file.Group("node");
        Assert.Equal("NIRGraph", graph.Dataset("type").Read<string>());
        IH5Dataset edgeSet = graph.Dataset("edges");
        Assert.Equal(2UL, edgeSet.Space.Dimensions[1]);
        string[] edges = edgeSet.Read<string[]>();
        IH5Group nodes = graph.Group("nodes");
        var names = nodes.Children().Select(c => c.Name).ToHashSet();
        Assert.Equal(names.Count, (int)edgeSet.Space.Dimensions[0] + 1);   // a chain: one edge fewer than nodes
        Assert.All(edges, e => Assert.Contains(e, names));

        string Type(string node) => nodes.Group(node).Dataset("type").Read<string>();
        ulong[] Dims(string node, string field) => nodes.Group(node).Dataset(field).Space.Dimensions;
        Assert.Equal("Input", Type("input"));
        Assert.Equal(new long[] { 1, 28, 28 }, nodes.Group("input").Dataset("shape").Read<long[]>());
        Assert.Equal("Output", Type("output"));
        Assert.Equal(new long[] { 10 }, nodes.Group("output").Dataset("shape").Read<long[]>());

        // fmnist-net folds its normalisation into the first conv, which pads with the channel mean: an input shift first.
        Assert.Equal("Conv2d", Type("shift0"));
        Assert.Equal(new ulong[] { 1, 1, 1, 1 }, Dims("shift0", "weight"));
        Assert.Equal("Conv2d", Type("conv0"));
        foreach (string field in new[] { "input_shape", "weight", "stride", "padding", "dilation", "groups", "bias" })
            Assert.True(nodes.Group("conv0").LinkExists(field), $"conv0 lacks {field}");
        Assert.Equal(new ulong[] { 32, 1, 3, 3 }, Dims("conv0", "weight"));
        Assert.Empty(Dims("conv0", "groups"));   // a scalar
        Assert.Equal(new long[] { 1, 1 }, nodes.Group("conv0").Dataset("padding").Read<long[]>());

        Assert.Equal("IF", Type("if0"));
        foreach (string field in new[] { "r", "v_threshold", "v_reset" })
            Assert.Equal(new ulong[] { 32, 28, 28 }, Dims("if0", field));
        Assert.All(nodes.Group("if0").Dataset("v_threshold").Read<float[]>(), v => Assert.Equal(1f, v));   // normalised
        float[] expected = ((SynapticLayer)net.Layers[0]).Thresholds;
        Assert.Equal(expected, nodes.Group("if0").Group("metadata").Dataset(NirMetadata.OriginalThresholds).Read<float[]>());
        Assert.Equal("subtract", nodes.Group("if0").Group("metadata").Dataset(NirMetadata.Reset).Read<string>());
        // Channel 5's weights divided by its threshold.
        var conv = (SnnConv2d)net.Layers[0];
        float[] written = nodes.Group("conv0").Dataset("weight").Read<float[]>();
        Assert.Equal((float)((double)conv.Weight[5 * 9 + 4] / expected[5]), written[5 * 9 + 4]);

        // Values whose quotient does not multiply back exactly are listed with their exact value (a few per cent).
        long[] exactIndex = nodes.Group("conv2").Group("metadata").Dataset(NirMetadata.ExactIndex).Read<long[]>();
        Assert.InRange(exactIndex.Length, 1, ((SnnConv2d)net.Layers[2]).Weight.Length / 5);

        Assert.Equal("SumPool2d", Type("pool1"));
        Assert.Equal(new long[] { 2, 2 }, nodes.Group("pool1").Dataset("kernel_size").Read<long[]>());
        // The pooling's 1/4 is in the next convolution's weights, with that layer's threshold.
        var conv2 = (SnnConv2d)net.Layers[2];
        float[] written2 = nodes.Group("conv2").Dataset("weight").Read<float[]>();
        Assert.Equal((float)((double)conv2.Weight[7] / 4 / conv2.Thresholds[0]), written2[7]);
        string flatten = names.Single(n => n.StartsWith("flatten", StringComparison.Ordinal));
        Assert.Equal("Flatten", Type(flatten));
        Assert.Equal(new long[] { 128, 3, 3 }, nodes.Group(flatten).Dataset("input_type").Read<long[]>());
        Assert.Equal(0L, nodes.Group(flatten).Dataset("start_dim").Read<long>());
        Assert.DoesNotContain(names, n => Type(n) is "I" or "Linear" or "AvgPool2d");
        // fmnist-net's dense layers have no bias: Affine with zero bias (several readers have no Linear); the last one
        // feeds the Output directly, with its weights unscaled (no neurons, no pooling before it).
        Assert.Equal("Affine", Type("affine8"));
        Assert.All(nodes.Group("affine8").Dataset("bias").Read<float[]>(), b => Assert.Equal(0f, b));
        Assert.Equal(((SynapticLayer)net.Layers[8]).Weight, nodes.Group("affine8").Dataset("weight").Read<float[]>());
        Assert.Contains(edges.Chunk(2), e => e[0] == "affine8" && e[1] == "output");
        Assert.Equal("fmnist-net", graph.Group("metadata").Dataset(NirMetadata.Name).Read<string>());
    }

    [Fact]
    public void List_script_lists_the_file_with_h5py_where_installed()
    {
        string? python = new[] { "/usr/bin/python3", "python3" }.FirstOrDefault(HasH5py);
        if (python is null)
        {
            output.WriteLine("skipped: no python3 with h5py (Debian: apt-get install python3-h5py)");
            return;
        }
        SpikingNetwork net = NirRoundTripTests.ZooSnn("mnist-seed", seed: 2);
        using var dir = new TempDirectory();
        string path = dir.File("mnist.nir");
        NirExporter.Save(path, net);
        var (code, stdout, stderr) = ChildProcess.Run(python, 60, RepositoryFiles.Path("tools/list_nir.py"), path);
        output.WriteLine(stdout + stderr);
        Assert.True(code == 0, $"list_nir.py exited {code}: {stderr}");
        Assert.Contains($"version: {NirExporter.Version}", stdout);
        Assert.Contains("conv0: Conv2d", stdout);
        Assert.Contains("weight float32 (12, 1, 5, 5)", stdout);
        Assert.Contains("if0: IF", stdout);
        Assert.Contains("v_threshold float32 (12, 24, 24)", stdout);
        Assert.Contains("pool1: SumPool2d", stdout);
        Assert.Contains("edges: input -> conv0 -> if0 -> pool1", stdout);
        Assert.Contains("layout: ok", stdout);
    }

    private static bool HasH5py(string python)
    {
        try { return ChildProcess.Run(python, 60, "-c", "import h5py").Code == 0; }
        catch (System.ComponentModel.Win32Exception) { return false; }   // no such interpreter
    }
}
