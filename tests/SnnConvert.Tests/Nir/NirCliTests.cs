using SnnConvert.Nir;
using SnnConvert.Snn;
using SnnConvert.Tests.Cli;
using Xunit;

namespace SnnConvert.Tests.Nir;

/// <summary>snnconvert export --snn --nir, and its usage errors, as a user runs them.</summary>
public sealed class NirCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Export_writes_a_NIR_file_that_loads_as_the_same_network()
    {
        SpikingNetwork net = NirRoundTripTests.ZooSnn("mnist-seed", seed: 7);
        string snn = _dir.File("s.snn"), nir = _dir.File("s.nir");
        SnnFile.Save(snn, net);
        var (code, stdout, stderr) = CliProcess.Run(120, "export", "--snn", snn, "--nir", nir);
        Assert.True(code == 0, stderr);
        Assert.Contains($"nir: {nir} (NIR {NirExporter.Version}", stdout);
        Assert.Contains("warning: the SNN uses soft reset", stderr);   // what readers that follow NIR will run instead
        Assert.Contains("--reset hard", stderr);
        NirRoundTripTests.AssertSameNetwork(net, NirImporter.Load(nir));
    }

    [Fact]
    public void Export_of_a_hard_reset_network_as_plain_convolutions_warns_of_nothing()
    {
        SpikingNetwork net = NirRoundTripTests.ZooSnn("mnist-seed", seed: 8) with { Neuron = new NeuronModel(ResetMode.Hard, InitialMembrane.Zero) };
        string snn = _dir.File("h.snn"), nir = _dir.File("h.nir");
        SnnFile.Save(snn, net);
        var (code, stdout, stderr) = CliProcess.Run(120, "export", "--snn", snn, "--nir", nir, "--dense-as-conv", "--plain");
        Assert.True(code == 0, stderr);
        Assert.Contains("dense layers as convolutions, no metadata", stdout);
        Assert.DoesNotContain("warning", stderr);
        NirGraph graph = NirFile.Read(nir);
        Assert.Empty(graph.Metadata);
        Assert.DoesNotContain(graph.Nodes.Values, n => n.Type == "Flatten");
    }

    [Fact]
    public void Export_options_of_NIR_are_refused_for_ONNX()
    {
        var (code, _, stderr) = CliProcess.Run(60, "export", "--model", _dir.File("m.snnm"), "--onnx", _dir.File("m.onnx"), "--plain");
        Assert.Equal(2, code);
        Assert.Contains("--plain apply to NIR export", stderr);
    }

    [Theory]
    [InlineData("--snn", "s.snn")]
    [InlineData("--nir", "s.nir")]
    [InlineData("--model", "m.snnm", "--nir", "s.nir")]
    [InlineData("--model", "m.snnm", "--onnx", "m.onnx", "--snn", "s.snn", "--nir", "s.nir")]
    [InlineData]
    public void Export_needs_exactly_one_complete_pair(params string[] args)
    {
        string[] paths = args.Select((a, i) => i % 2 == 1 ? _dir.File(a) : a).ToArray();
        var (code, _, stderr) = CliProcess.Run(60, ["export", .. paths]);
        Assert.Equal(2, code);
        Assert.Contains("error (usage)", stderr);
    }

    [Fact]
    public void Simulate_reports_a_bad_NIR_file_with_exit_code_10()
    {
        string path = _dir.Write("bad.nir", [1, 2, 3, 4]);
        var (code, _, stderr) = CliProcess.Run(60, "simulate", "--snn", path, "--dataset", "mnist");
        Assert.Equal(10, code);
        Assert.Contains("error (nir-format)", stderr);
        Assert.Contains("bad.nir", stderr);
    }
}
