using System.Text.Json.Nodes;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Cli;

/// <summary>The CLI's choice of the qcfs method for a model with QCFS activations.</summary>
public sealed class QcfsCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // A small MNIST-shaped network with QCFS activations (random weights, thresholds 1 and 2 per layer).
    private string QcfsModel()
    {
        var network = new Network("mnist-qcfs-tiny", [
            new Conv2dSpec(1, 4, 5), new QcfsSpec(8, 4), new AvgPool2dSpec(4), new FlattenSpec(),
            new LinearSpec(144, 16), new QcfsSpec(8), new LinearSpec(16, 10)], [1, 28, 28], new Random(2));
        ((QcfsLayer)network.Layers[1]).Threshold.Value.Span.Fill(1f);
        ((QcfsLayer)network.Layers[5]).Threshold.Value.Span.Fill(2f);
        string path = _temp.File("q.snnm");
        ModelFile.Save(path, new SavedModel(network, "mnist", Enumerable.Range(0, 10).Select(i => $"{i}").ToArray(), new JsonObject()));
        return path;
    }

    [Fact]
    public void Convert_picks_qcfs_for_a_QCFS_model_and_says_so()
    {
        string model = QcfsModel(), snn = _temp.File("q.snn");
        var (code, _, err) = CliProcess.Run(120, "convert", "--model", model, "--out", snn, "--calib-samples", "20");
        Assert.True(code == 0, err);
        Assert.Contains("method: qcfs, the default for this model", err);
        SpikingNetwork net = SnnFile.Load(snn);
        Assert.Equal("qcfs", net.Conversion.Method);
        Assert.Equal(InitialMembrane.HalfThreshold, net.Neuron.Initial);
        Assert.Equal([8, 8], net.Conversion.QcfsLevels!);
        Assert.Equal("mixed", net.Conversion.Granularity);

        // A method named on the command line wins; --low-latency means max-current.
        var named = CliProcess.Run(120, "convert", "--model", model, "--out", snn, "--calib-samples", "20", "--calib-steps", "4", "--method", "max-activation");
        Assert.True(named.ExitCode == 0, named.Err);
        Assert.DoesNotContain("method: qcfs", named.Err);
        Assert.Equal("max-activation", SnnFile.Load(snn).Conversion.Method);
        var low = CliProcess.Run(120, "convert", "--model", model, "--out", snn, "--calib-samples", "20", "--calib-steps", "4", "--low-latency", "4");
        Assert.True(low.ExitCode == 0, low.Err);
        Assert.Equal("max-current", SnnFile.Load(snn).Conversion.Method);
    }

    [Fact]
    public void Qcfs_on_a_ReLU_model_is_refused_with_advice()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm");
        var (code, _, err) = CliProcess.Run(120, "convert", "--model", model, "--out", _temp.File("s.snn"), "--calib-samples", "20", "--method", "qcfs");
        Assert.Equal(8, code);
        Assert.Contains("no QCFS activation", err);
    }
}
