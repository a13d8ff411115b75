using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public class ConversionDeterminismTests
{
    private static readonly LayerSpec[] Specs =
    [
        new NormalizeSpec([0.45f], [0.3f]),
        new Conv2dSpec(1, 4, 3, Padding: 1, Bias: true),
        new BatchNorm2dSpec(4),
        new ReluSpec(),
        new AvgPool2dSpec(2),
        new Conv2dSpec(4, 6, 3),
        new ReluSpec(),
        new FlattenSpec(),
        new LinearSpec(24, 8, Bias: true),
        new ReluSpec(),
        new DropoutSpec(0.5f),
        new LinearSpec(8, 3),
    ];

    public static TheoryData<string> Methods() => new(ThresholdMethods.Names);

    [Theory]
    [MemberData(nameof(Methods))]
    public void The_same_seed_gives_the_same_thresholds_weights_and_accuracies(string method)
    {
        SavedModel model = SnnTemplateBuilderTests.Model(Specs, [1, 8, 8], seed: 41);
        ImageDataset train = TestNets.Grey(40, 1, 8, 8, 3, seed: 42), test = TestNets.Grey(15, 1, 8, 8, 3, seed: 43);

        (SpikingNetwork Net, SimulationResult Direct, SimulationResult Rate) Run()
        {
            ImageDataset calibration = SnnConverter.CalibrationSubset(train, 25, seed: 3);
            var (net, _) = SnnConverter.Convert(model, new ConversionOptions { Method = ThresholdMethods.Create(method), CalibrationSteps = 6, Seed = 3, BatchSize = 7 }, calibration);
            return (net,
                SnnSimulator.Run(net, test, new SimulationOptions(12, BatchSize: 4)),
                SnnSimulator.Run(net, test, new SimulationOptions(12, InputEncoding.Rate, Seed: 9, BatchSize: 4)));
        }

        var a = Run();
        var b = Run();
        Assert.Equal(method, a.Net.Conversion.Method);
        for (int s = 0; s < a.Net.Layers.Count; s++)
        {
            if (a.Net.Layers[s] is not SynapticLayer la) continue;
            var lb = (SynapticLayer)b.Net.Layers[s];
            Assert.Equal(la.Thresholds, lb.Thresholds);
            Assert.Equal(la.Weight, lb.Weight);
            Assert.Equal(la.Bias, lb.Bias);
            if (la.Spiking) Assert.NotEmpty(la.Thresholds);
        }
        Assert.Equal(a.Net.Conversion.ToJson().ToJsonString(), b.Net.Conversion.ToJson().ToJsonString());
        foreach (var (x, y) in new[] { (a.Direct, b.Direct), (a.Rate, b.Rate) })
        {
            Assert.Equal(x.CorrectAtStep, y.CorrectAtStep);
            for (int i = 0; i < x.Layers.Count; i++) Assert.Equal(x.Layers[i].SpikesAtStep, y.Layers[i].SpikesAtStep);
        }
    }

    [Fact]
    public void The_calibration_subset_depends_on_the_seed_only()
    {
        ImageDataset train = TestNets.Grey(50, 1, 4, 4, 3, seed: 44);
        byte[] Pixels(ImageDataset d) => Enumerable.Range(0, d.Count).SelectMany(i => d.Pixels(i).ToArray()).ToArray();
        ImageDataset a = SnnConverter.CalibrationSubset(train, 10, seed: 1), b = SnnConverter.CalibrationSubset(train, 10, seed: 1);
        ImageDataset c = SnnConverter.CalibrationSubset(train, 10, seed: 2);
        Assert.Equal(10, a.Count);
        Assert.Equal(Pixels(a), Pixels(b));
        Assert.NotEqual(Pixels(a), Pixels(c));
        Assert.Same(train, SnnConverter.CalibrationSubset(train, null, 1));
        Assert.Same(train, SnnConverter.CalibrationSubset(train, 50, 1));
    }
}
