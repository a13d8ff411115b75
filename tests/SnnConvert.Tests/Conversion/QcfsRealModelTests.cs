using System.Diagnostics;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// End to end without training: the bundled mnist-seed with its ReLUs replaced by QCFS activations (L = 8, lambda
/// from the activations of 500 training images), written to a model file, read back and converted with the method
/// chosen for it (qcfs).
/// </summary>
public sealed class QcfsRealModelTests(ITestOutputHelper output) : IDisposable
{
    private const int Levels = 8;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_QCFS_version_of_mnist_seed_converts_and_matches_its_CNN_at_T_equal_to_L(bool perChannel)
    {
        var clock = Stopwatch.StartNew();
        SavedModel relu = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null).Take(500);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        string path = _temp.File("mnist-seed-qcfs.snnm");
        ModelFile.Save(path, QcfsVersion(relu, train, perChannel));
        SavedModel model = ModelFile.Load(path);
        Assert.Equal(perChannel ? new[] { 12, 64 } : new[] { 1, 1 }, model.Network.Layers.OfType<QcfsLayer>().Select(q => q.Threshold.Value.Length));

        string method = ThresholdMethods.DefaultFor(model.Network);
        Assert.Equal("qcfs", method);
        var (net, warnings) = SnnConverter.Convert(model, new ConversionOptions { Method = ThresholdMethods.Create(method) }, train.Take(10));
        Assert.Empty(warnings);
        output.WriteLine($"model built and converted in {clock.Elapsed.TotalSeconds:F1} s");
        var (cnn, cnnAccuracy) = Evaluator.Reference(model.Network, test);
        var (_, reluAccuracy) = Evaluator.Reference(relu.Network, test);
        SimulationResult result = SnnSimulator.Run(net, test, new SimulationOptions(64), cnn, model.Network.Macs);
        output.WriteLine($"ReLU CNN {reluAccuracy:F2}%, QCFS CNN {cnnAccuracy:F2}% on {test.Count} test images");
        foreach (int t in new[] { 1, 2, 4, 8, 16, 32, 64 })
            output.WriteLine($"T={t}: accuracy {result.Accuracy(t):F2}%, agreement {result.Agreement(t):F2}%");

        Assert.True(cnnAccuracy >= reluAccuracy - 2, $"QCFS CNN {cnnAccuracy:F2}% against the ReLU CNN's {reluAccuracy:F2}%");
        Assert.True(result.Agreement(Levels) >= 97, $"agreement with the QCFS CNN at T = L is {result.Agreement(Levels):F2}%");
        Assert.True(result.Accuracy(Levels) >= cnnAccuracy - 1.5, $"SNN {result.Accuracy(Levels):F2}% at T = L against the QCFS CNN's {cnnAccuracy:F2}%");
    }

    // ReLU -> QCFS with the same weights; each lambda the 99th percentile of its layer's (or channel's) positive
    // pre-activations on the images, set layer after layer (dropout is the identity in evaluation). Also the QCFS model
    // of the reproduction tests (Reporting/QcfsRowTests).
    internal static SavedModel QcfsVersion(SavedModel relu, ImageDataset images, bool perChannel, int levels = Levels)
    {
        Network source = relu.Network;
        LayerSpec[] specs = source.Architecture.Select((s, i) => s is ReluSpec
            ? new QcfsSpec(levels, perChannel ? source.LayerShapes[i][0] : 1) : s).ToArray();
        var network = new Network(source.Name + "-qcfs", specs, source.InputShape, new Random(1));
        var parameters = source.NamedParameters.ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in network.NamedParameters)
            if (parameters.TryGetValue(name, out Parameter? trained)) trained.Value.Data.CopyTo(parameter.Value.Data, 0);
        var (batch, _) = BatchLoader.LoadRange(images, 0, images.Count);
        Tensor x = batch;
        foreach (Layer layer in network.Layers)
        {
            if (layer is QcfsLayer q) SetThresholds(q, x);
            x = layer.Forward(x, ForwardContext.Eval);
        }
        return relu with { Network = network };
    }

    /// <summary>Sets each lambda to the <paramref name="quantile"/> of the positive values entering its layer or channel (1 when none).</summary>
    internal static void SetThresholds(QcfsLayer layer, Tensor input, double quantile = 0.99)
    {
        float[] lambda = layer.Threshold.Value.Data;
        int n = input.Dim(0), c = input.Dim(1), plane = input.Length / (n * c);
        var groups = Enumerable.Range(0, lambda.Length).Select(_ => new List<float>()).ToArray();
        for (int i = 0; i < input.Length; i++)
            if (input.Data[i] > 0) groups[lambda.Length == 1 ? 0 : i / plane % c].Add(input.Data[i]);
        for (int g = 0; g < lambda.Length; g++)
            lambda[g] = groups[g].Count == 0 ? 1f : groups[g].Order().ElementAt((int)(quantile * (groups[g].Count - 1)));
    }
}
