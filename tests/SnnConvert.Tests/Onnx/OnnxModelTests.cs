using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Onnx;

/// <summary>Whole CNNs: the zoo exported, models exported from PyTorch, and a trained model round-tripped through ONNX.</summary>
public sealed class OnnxModelTests(ITestOutputHelper output)
{
    public static TheoryData<string> ZooNames() => new(ModelZoo.All.Select(m => m.Name));

    public static TheoryData<string> Fixtures() =>
        new(Directory.GetFiles(Repository.File("tests/fixtures/onnx"), "*.onnx").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void ExportedZooModelRunsInOnnxRuntimeAsInSnnConvertAndImportsBack(string name)
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
        Assert.Equal(net.Architecture.Where(s => s is not (DropoutSpec or Dropout2dSpec)).Select(s => s.Describe()),
            imported.Architecture.Select(s => s.Describe()));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PyTorchExportMatchesOnnxRuntime(string file)
    {
        string path = Repository.File(Path.Combine("tests/fixtures/onnx", file));
        SavedModel imported = OnnxImporter.Load(path);
        var input = OnnxReference.RandomImages(3, imported.Network.InputShape, seed: file.Length);
        string diff = OnnxReference.AssertMatches(imported.Network, File.ReadAllBytes(path), input, file);
        output.WriteLine($"{file}: {diff}; layers: {string.Join(", ", imported.Network.Architecture.Select(s => s.Describe()))}");
    }

    [Fact]
    public void PyTorchConvBatchNormNetImportsItsNormalisationAndConvertsLikeAZooModel()
    {
        SavedModel imported = OnnxImporter.Load(Repository.File("tests/fixtures/onnx/normbn-opset13.onnx"));
        var norm = Assert.IsType<NormalizeSpec>(imported.Network.Architecture[0]);
        Assert.Equal([0.4914f, 0.4822f, 0.4465f], norm.Mean.Select(m => MathF.Round(m, 4)));
        Assert.Equal([0.2470f, 0.2435f, 0.2616f], norm.Std.Select(s => MathF.Round(s, 4)));
        Assert.Contains(imported.Network.Architecture, s => s is BatchNorm2dSpec);

        // The CNN converts: normalisation and batch norm are folded, and the template reproduces the CNN's function.
        ConversionTemplate template = CnnToSnnConverter.Convert(imported);
        Assert.Empty(template.Warnings);
        Assert.Equal(imported.Network.ClassCount, template.Network.ClassNames.Count);
    }

    [Fact]
    public void TrainedMnistModelRoundTripsWithTheSamePredictionsOnTheWholeTestSet()
    {
        SavedModel saved = ModelFile.Load(Repository.File("models/mnist-seed.snnm"));
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
