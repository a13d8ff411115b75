using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using SnnConvert.Tests.Onnx;
using SnnConvert.Tests.Snn;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Conversion;

/// <summary>Conversion with <c>--maxpool gate</c>: ONNX files with MaxPool, the refusal's advice, what cannot be gated or exported.</summary>
public sealed class MaxPoolGateConversionTests(ITestOutputHelper output)
{
    private const string Fixture = "tests/fixtures/onnx/maxpool-opset9.onnx";

    [Theory]
    [InlineData(Fixture)]
    [InlineData("tests/fixtures/maxpool/lenet-maxpool.onnx")]
    [InlineData("tests/fixtures/maxpool/cifar-maxpool3.onnx")]   // overlapping 3x3 stride-2 windows
    public void Onnx_file_with_max_pooling_converts_with_the_gate_and_its_template_computes_what_onnx_runtime_does(string file)
    {
        string path = RepositoryFiles.Path(file);
        SavedModel imported = OnnxImporter.Load(path);
        MaxPool2dSpec[] specs = imported.Network.Architecture.OfType<MaxPool2dSpec>().ToArray();
        Assert.NotEmpty(specs);

        ConversionTemplate template = SnnTemplateBuilder.Build(imported, MaxPoolHandling.Gate);
        Assert.Empty(template.Warnings);
        IReadOnlyList<SnnLayer> layers = template.Network.Layers;
        Assert.Equal(specs.Select(m => new SnnGatedMaxPool2d(m.Kernel, m.EffectiveStride)), layers.OfType<SnnGatedMaxPool2d>());
        Assert.All(Enumerable.Range(0, layers.Count).Where(i => layers[i] is SnnGatedMaxPool2d), i => Assert.IsType<SnnConv2d>(layers[i - 1]));
        // The gate's analog meaning is max pooling: the template is the CNN that ONNX Runtime runs.
        var input = OnnxReference.RandomImages(4, imported.Network.InputShape, seed: 5);
        float[] expected = OnnxReference.Run(File.ReadAllBytes(path), input);
        float[] analog = new AnalogForward(template.Network).Run(input.Data, 4);
        double scale = expected.Max(Math.Abs), diff = expected.Zip(analog, (a, b) => (double)Math.Abs(a - b)).Max();
        Assert.True(diff <= 1e-4 * scale, $"max |diff| {diff:G3} vs scale {scale:G3}");
        // With average pooling instead it is another network.
        float[] averaged = new AnalogForward(SnnTemplateBuilder.Build(imported, MaxPoolHandling.Average).Network).Run(input.Data, 4);
        Assert.True(expected.Zip(averaged, (a, b) => Math.Abs(a - b)).Max() > 1e-2 * scale);

        // Balanced and simulated, every engine gives the same spikes through the gate.
        int[] shape = imported.Network.InputShape;
        ImageDataset images = TestNets.Grey(12, shape[0], shape[1], shape[2], imported.ClassNames.Count, seed: 3);
        SpikingNetwork net = new MaxCurrentThresholds(RescaleInputs: true).Balance(template.Network, new CalibrationSettings(images, 16, BatchSize: 5));
        SimulationResult Run(SynapseEngine engine) => SnnSimulator.Run(net, images, new SimulationOptions(24, BatchSize: 5, Engine: engine));
        SimulationResult dense = Run(SynapseEngine.Dense);
        Assert.True(dense.SpikesPerImage(24) > 0);
        foreach (SynapseEngine engine in new[] { SynapseEngine.EventDriven, SynapseEngine.Auto })
        {
            SimulationResult other = Run(engine);
            Assert.Equal(dense.CorrectAtStep, other.CorrectAtStep);
            Assert.Equal(dense.Layers.Select(l => l.SpikesAtStep), other.Layers.Select(l => l.SpikesAtStep));
        }
    }

    [Fact]
    public void The_refusal_points_at_the_gate_with_the_measured_difference()
    {
        SavedModel imported = OnnxImporter.Load(RepositoryFiles.Path(Fixture));
        var e = Assert.Throws<ConversionException>(() => SnnTemplateBuilder.Build(imported));
        Assert.Contains("max pooling has no exact spiking equivalent", e.Message);
        Assert.Contains("[max-pool handling = gate]", e.Message);
        Assert.Contains("[max-pool handling = average]", e.Message);
        Assert.Contains(MaxPoolAdvice.Measured, e.Message);
        Assert.Contains("gate", MaxPoolAdvice.Help);
    }

    [Fact]
    public void Max_pooling_on_the_input_cannot_be_gated()
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new MaxPool2dSpec(2), new Conv2dSpec(1, 2, 3), new ReluSpec(), new FlattenSpec(), new LinearSpec(8, 3)], [1, 8, 8]);
        var e = Assert.Throws<ConversionException>(() => SnnTemplateBuilder.Build(model, MaxPoolHandling.Gate));
        Assert.Contains("layer 0 (maxpool2d 2x2)", e.Message);
        Assert.Contains("[max-pool handling = average]", e.Message);
        Assert.IsType<SnnAvgPool2d>(SnnTemplateBuilder.Build(model, MaxPoolHandling.Average).Network.Layers[0]);
    }

    [Fact]
    public void The_nir_exporter_refuses_a_gate_with_a_clear_message()
    {
        SpikingNetwork net = TestNets.WithThresholds(SpikeMaxPoolGateTests.GateTemplate(seed: 1), [1f], [1f], [1f]);
        var e = Assert.Throws<ConversionException>(() => NirExporter.ToGraph(net));
        Assert.Contains("stage 1 (gated maxpool2d 2x2)", e.Message);
        Assert.Contains("NIR has no max-pooling primitive", e.Message);
        Assert.Contains("[max-pool handling = average]", e.Message);
    }

    [Fact]
    public void Trained_lenet_with_max_pooling_converts_better_with_the_gate_than_with_average_pooling()
    {
        // tests/fixtures/maxpool/lenet-maxpool.onnx: a LeNet with two 2x2 max poolings trained on MNIST (97.77 %).
        // MNIST is in CI's shared/datasets: no silent skip.
        SavedModel model = OnnxImporter.Load(RepositoryFiles.Path("tests/fixtures/maxpool/lenet-maxpool.onnx"), "mnist");
        ImageDataset calibration = DatasetLoader.Load("mnist", "train", null).Take(500);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        int[] cnn = Evaluator.Predict(model.Network, test);
        SimulationResult Simulate(MaxPoolHandling handling)
        {
            var (net, _) = SnnConverter.Convert(model, new ConversionOptions { Method = new PercentileThresholds(), CalibrationSteps = 32, MaxPool = handling }, calibration);
            return SnnSimulator.Run(net, test, new SimulationOptions(64), cnn);
        }
        SimulationResult gate = Simulate(MaxPoolHandling.Gate), average = Simulate(MaxPoolHandling.Average);
        foreach (int t in new[] { 8, 16, 32, 64 })
            output.WriteLine($"T={t}: agreement gate {gate.Agreement(t):F2}% / average {average.Agreement(t):F2}%, SynOps {gate.SynOpsPerImage(t):F0} / {average.SynOpsPerImage(t):F0}");
        // Measured: 97.67 / 91.00 % at T = 8, 99.33 / 98.00 % at T = 16, 100 / 99.67 % at T = 64.
        Assert.True(gate.Agreement(64) >= 99.0, $"gate agreement with the CNN at T = 64 is {gate.Agreement(64):F2}%");
        foreach (int t in new[] { 8, 16 })
            Assert.True(gate.Agreement(t) > average.Agreement(t), $"T = {t}: gate {gate.Agreement(t):F2}% vs average {average.Agreement(t):F2}%");
        // Only one spike per window and step passes the gate, where average pooling forwards every spike.
        Assert.True(gate.SynOpsPerImage(64) < average.SynOpsPerImage(64));
    }
}
