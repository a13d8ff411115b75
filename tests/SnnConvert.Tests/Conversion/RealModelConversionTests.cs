using System.Diagnostics;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Conversion;

/// <summary>The seed method on the bundled, trained models/mnist-seed.snnm.</summary>
public sealed class RealModelConversionTests(ITestOutputHelper output)
{
    [Fact]
    public void Max_current_conversion_of_mnist_seed_agrees_with_the_CNN()
    {
        // The model is part of the repository and MNIST is in CI's shared/datasets: no silent skip.
        string modelPath = RepositoryFiles.Path("models/mnist-seed.snnm");
        var clock = Stopwatch.StartNew();
        SavedModel model = ModelFile.Load(modelPath);
        ImageDataset calibration = DatasetLoader.Load("mnist", "train", null).Take(500);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        output.WriteLine($"loaded in {clock.Elapsed.TotalSeconds:F1} s");

        var (net, warnings) = SnnConverter.Convert(model, new ConversionOptions { CalibrationSteps = 32 }, calibration);
        Assert.Empty(warnings);
        output.WriteLine($"converted in {clock.Elapsed.TotalSeconds:F1} s");
        int[] cnn = Evaluator.Predict(model.Network, test);
        SimulationResult result = SnnSimulator.Run(net, test, new SimulationOptions(64), cnn, model.Network.Macs);
        output.WriteLine($"simulated in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (int t in new[] { 1, 2, 4, 8, 16, 32, 64 })
            output.WriteLine($"T={t}: accuracy {result.Accuracy(t):F2}%, agreement {result.Agreement(t):F2}%, spikes/image {result.SpikesPerImage(t):F0}");

        // Per-channel thresholds on both conv layers (12 and 64 channels), none dead in a trained network's first layer.
        Assert.Equal([12, 64], net.Layers.OfType<SynapticLayer>().Where(l => l.Spiking).Select(l => l.Thresholds.Length));
        Assert.True(result.Agreement(64) >= 97.0, $"agreement with the CNN at T = 64 is {result.Agreement(64):F2}%");
        Assert.True(result.Agreement(64) > result.Agreement(4), $"agreement at T = 64 ({result.Agreement(64):F2}%) should exceed T = 4 ({result.Agreement(4):F2}%)");
    }
}
