using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Onnx;

/// <summary>Whole CNNs: the zoo exported, models exported from PyTorch, and a trained model round-tripped through ONNX.</summary>
public sealed class OnnxModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> ZooNames() => new(ModelZoo.All.Select(m => m.Name));

    public static TheoryData<string> Fixtures()
    {
        string folder = RepositoryFiles.Path("tests/fixtures/onnx");
        return new(Directory.GetFiles(folder, "*.onnx", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order());
    }

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Exported_zoo_model_runs_in_ONNX_Runtime_as_in_SnnConvert_and_imports_back(string name)
    {
        Network net = ModelZoo.Find(name)!.Build(new Random(3));
        RandomiseBatchNorm(net, new Random(4));
        byte[] model = OnnxExporter.ToBytes(net);
        var input = OnnxReference.RandomImages(2, net.InputShape, seed: 5);

        string exported = OnnxReference.AssertMatches(net, model, input, $"{name} exported");
        Network imported = OnnxImporter.Import(model, $"{name}.onnx").Network;
        string roundTrip = OnnxReference.AssertMatches(imported, model, input, $"{name} imported");
        output.WriteLine($"{name}: vs ONNX Runtime: exported {exported}; re-imported {roundTrip}");

        // The same layers come back, less dropout (the identity at inference, not exported).
        Assert.Equal(net.Architecture.Where(s => s is not (DropoutSpec or Dropout2dSpec)), imported.Architecture);
    }

    [Fact]
    public void Network_with_every_layer_type_exports_and_imports_back()
    {
        LayerSpec[] layers =
        [
            new NormalizeSpec([0.3f, 0.6f], [0.2f, 0.4f]),
            new Conv2dSpec(2, 4, 3, Stride: 1, Padding: 1, Bias: true), new BatchNorm2dSpec(4), new ReluSpec(), new MaxPool2dSpec(2),
            new Conv2dSpec(4, 6, 3, Stride: 2), new ReluSpec(), new Dropout2dSpec(0.1f), new AvgPool2dSpec(2, 1),
            new FlattenSpec(), new LinearSpec(24, 8), new BatchNorm1dSpec(8, Eps: 1e-3f), new ReluSpec(), new DropoutSpec(0.5f),
            new LinearSpec(8, 3, Bias: true), new DropoutSpec(0.2f),
        ];
        var net = new Network("every-layer", layers, [2, 16, 16], new Random(6));
        RandomiseBatchNorm(net, new Random(7));
        // Non-zero biases, so that a bias lost or misplaced shows.
        foreach (Parameter? bias in net.Layers.Select(l => l is Conv2dLayer c ? c.Bias : (l as LinearLayer)?.Bias))
            for (int i = 0; i < (bias?.Value.Length ?? 0); i++) bias!.Value.Data[i] = 0.1f * (i + 1);
        byte[] model = OnnxExporter.ToBytes(net);
        var input = OnnxReference.RandomImages(3, net.InputShape, seed: 8);
        output.WriteLine($"every-layer: exported {OnnxReference.AssertMatches(net, model, input, "exported")}");
        Network imported = OnnxImporter.Import(model, "every-layer.onnx").Network;
        output.WriteLine($"every-layer: re-imported {OnnxReference.AssertMatches(imported, model, input, "imported")}");
        Assert.Equal(layers.Where(s => s is not (DropoutSpec or Dropout2dSpec)), imported.Architecture);
    }

    // Every fixture (PyTorch exports, and the keras2onnx, tf2onnx, CNTK and opset 19-21 shapes built by
    // tools/make_onnx_graph_fixtures.py) against ONNX Runtime, which reads the file itself (external data included) in its
    // own input layout; where the import dropped a final Softmax or LogSoftmax, SnnConvert's logits go through it first.
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_matches_ONNX_Runtime(string file)
    {
        string path = RepositoryFiles.Path(Path.Combine("tests/fixtures/onnx", file));
        SavedModel imported = OnnxImporter.Load(path);
        var (batch, declared, finalOp) = OnnxFixture.Describe(path, imported.Training["output"]!.GetValue<string>());
        var input = OnnxReference.RandomImages(batch ?? 3, imported.Network.InputShape, seed: file.Length);
        float[] expected = OnnxReference.RunFile(path, OnnxFixture.ToDeclaredLayout(input, declared), imported.Training["output"]!.GetValue<string>(),
            [input.Shape[0], .. declared]);
        float[] actual = imported.Network.Forward(input, ForwardContext.Eval).Data;
        if (finalOp is "Softmax" or "LogSoftmax") actual = OnnxReference.Softmax(actual, imported.Network.ClassCount, log: finalOp == "LogSoftmax");
        string diff = OnnxReference.AssertClose(expected, actual, file);
        output.WriteLine($"{file}: opset {imported.Training["opset"]}, {diff}{(finalOp is "Softmax" or "LogSoftmax" ? $" (after {finalOp})" : "")}; " +
            $"layers: {string.Join(", ", imported.Network.Architecture.Select(s => s.Describe()))}");
    }

    [Fact]
    public void PyTorch_conv_batch_norm_net_imports_its_normalisation_and_converts_like_a_zoo_model()
    {
        SavedModel imported = OnnxImporter.Load(RepositoryFiles.Path("tests/fixtures/onnx/normbn-opset13.onnx"));
        var norm = Assert.IsType<NormalizeSpec>(imported.Network.Architecture[0]);
        Assert.Equal([0.4914f, 0.4822f, 0.4465f], norm.Mean.Select(m => MathF.Round(m, 4)));
        Assert.Equal([0.2470f, 0.2435f, 0.2616f], norm.Std.Select(s => MathF.Round(s, 4)));
        Assert.Contains(imported.Network.Architecture, s => s is BatchNorm2dSpec);

        // Normalisation and batch norm fold into the convolutions, and the folded template computes what ONNX Runtime does.
        ConversionTemplate template = SnnTemplateBuilder.Build(imported);
        Assert.Empty(template.Warnings);
        Assert.Equal(norm.Mean, Assert.IsType<SnnConv2d>(template.Network.Layers[0]).PadValues);
        var input = OnnxReference.RandomImages(4, imported.Network.InputShape, seed: 11);
        float[] expected = OnnxReference.Run(File.ReadAllBytes(RepositoryFiles.Path("tests/fixtures/onnx/normbn-opset13.onnx")), input);
        float[] folded = new AnalogForward(template.Network).Run(input.Data, 4);
        double scale = expected.Max(Math.Abs), diff = expected.Zip(folded, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(diff <= 1e-4 * scale, $"folded template: max |diff| {diff:G3} vs scale {scale:G3}");

        // Calibrated and simulated like a zoo model on CIFAR-10 images (its input shape); accuracy is meaningless with
        // random weights, so the SNN is judged by its agreement with the CNN's predictions. Channel-wise thresholds without
        // input rescaling change the function of a CNN (the seed method relies on training to absorb it); rescaling keeps it.
        imported = imported with { Dataset = "cifar10" };
        ImageDataset cifar = DatasetLoader.Load("cifar10", "test", null);
        ImageDataset calibration = cifar.Take(100), data = cifar.Subset(Enumerable.Range(100, 100).ToArray());
        int[] cnn = Evaluator.Predict(imported.Network, data);
        var (snn, _) = SnnConverter.Convert(imported,
            new ConversionOptions { Method = ThresholdMethods.Create("max-current"), CalibrationSteps = 32, Seed = 1, BatchSize = 50 }, calibration);
        SimulationResult result = SnnSimulator.Run(snn, data, new SimulationOptions(128, BatchSize: 50), cnn, imported.Network.Macs);
        output.WriteLine($"normbn SNN: {cnn.Distinct().Count()} classes predicted; diff of the folded template {diff:G3}; agreement with the CNN at T=32: {result.Agreement(32):F1}%, T=128: {result.Agreement(128):F1}%");
        Assert.True(result.Agreement(128) >= 85, $"agreement at T=128 is {result.Agreement(128)}%");
    }

    [Fact]
    public void Trained_MNIST_model_round_trips_with_the_same_predictions_on_the_whole_test_set()
    {
        SavedModel saved = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        SavedModel imported = OnnxImporter.Import(OnnxExporter.ToBytes(saved.Network), "mnist-seed.onnx", "mnist");
        ImageDataset test = DatasetLoader.Load("mnist", "test", null);

        int[] expected = Evaluator.Predict(saved.Network, test), actual = Evaluator.Predict(imported.Network, test);

        Assert.Equal(10_000, test.Count);
        Assert.Equal(expected, actual);
        output.WriteLine($"mnist-seed: {test.Count} test images, identical predictions after export and import");
    }

    // Running statistics and affine parameters away from (0, 1), so a wrong mapping of any of the four shows.
    private static void RandomiseBatchNorm(Network net, Random random)
    {
        foreach (BatchNormLayer bn in net.Layers.OfType<BatchNormLayer>())
            for (int c = 0; c < bn.Gamma.Value.Length; c++)
            {
                bn.Gamma.Value.Data[c] = 0.5f + (float)random.NextDouble();
                bn.Beta.Value.Data[c] = (float)(random.NextDouble() - 0.5);
                bn.RunningMean.Data[c] = (float)(random.NextDouble() - 0.5) * 0.2f;
                bn.RunningVar.Data[c] = 0.2f + (float)random.NextDouble();
            }
    }
}
