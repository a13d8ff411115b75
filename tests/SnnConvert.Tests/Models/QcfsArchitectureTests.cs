using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Tests.Layers;
using Xunit;

namespace SnnConvert.Tests.Models;

/// <summary>
/// The ReLU to QCFS swap of every zoo architecture, QCFS networks (no batch-norm fusion takes the activation away,
/// model files keep the thresholds) and <see cref="InitialWeights"/> (a ReLU model's weights in a QCFS architecture).
/// </summary>
public sealed class QcfsArchitectureTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, bool> ZooAndGranularity()
    {
        var data = new TheoryData<string, bool>();
        foreach (ZooModel zoo in ModelZoo.All) { data.Add(zoo.Name, false); data.Add(zoo.Name, true); }
        return data;
    }

    [Theory]
    [MemberData(nameof(ZooAndGranularity))]
    public void Every_ReLU_of_a_zoo_model_becomes_QCFS_with_one_threshold_per_layer_or_per_input_channel(string name, bool perChannel)
    {
        ZooModel zoo = ModelZoo.Find(name)!;
        ZooModel qcfs = QcfsArchitecture.Swap(zoo, 4, perChannel);
        Network relu = zoo.Build(new Random(0)), swapped = qcfs.Build(new Random(0));
        Assert.Equal(zoo.Architecture.Count, qcfs.Architecture.Count);
        int activations = 0;
        for (int i = 0; i < zoo.Architecture.Count; i++)
        {
            if (zoo.Architecture[i] is ReluSpec)
            {
                var spec = Assert.IsType<QcfsSpec>(qcfs.Architecture[i]);
                Assert.Equal(4, spec.Levels);
                Assert.Equal(perChannel ? relu.LayerShapes[i][0] : 1, spec.Thresholds);
                Assert.IsType<QcfsLayer>(swapped.Layers[i]);
                activations++;
            }
            else Assert.Same(zoo.Architecture[i], qcfs.Architecture[i]);
        }
        Assert.True(activations >= 2);
        Assert.Equal(relu.LayerShapes, swapped.LayerShapes);
        Assert.Equal(relu.ParameterCount + qcfs.Architecture.OfType<QcfsSpec>().Sum(s => s.Thresholds), swapped.ParameterCount);
        Assert.Equal(zoo.Architecture.OfType<ReluSpec>().Count(), QcfsArchitecture.DescribeThresholds(swapped).Count());
    }

    [Fact]
    public void Zero_levels_and_an_architecture_without_ReLU_are_refused()
    {
        var levels = Assert.Throws<InvalidSettingException>(() => QcfsArchitecture.Swap(ModelZoo.Find("mnist-seed")!, 0, false));
        Assert.Equal(SettingNames.QuantisationLevels, levels.Setting);
        LayerSpec[] linear = [new FlattenSpec(), new LinearSpec(4, 2)];
        Assert.Equal(SettingNames.Activation, Assert.Throws<InvalidSettingException>(() => QcfsArchitecture.Swap(linear, [1, 2, 2], 4, false)).Setting);
    }

    [Fact]
    public void A_batch_norm_followed_by_QCFS_is_not_fused_and_trains_as_its_layers_one_by_one()
    {
        // Network fuses batch norm + ReLU (+ pooling); with QCFS in place of the ReLU the chain must run layer by layer,
        // so that the network's output and every gradient are those of the layers called in order.
        LayerSpec[] architecture =
        [
            new Conv2dSpec(2, 4, 3, Padding: 1), new BatchNorm2dSpec(4), new QcfsSpec(4, 4), new AvgPool2dSpec(2),
            new FlattenSpec(), new LinearSpec(4 * 3 * 3, 8), new BatchNorm1dSpec(8), new QcfsSpec(2), new LinearSpec(8, 3),
        ];
        Network Build()
        {
            var network = new Network("bn-qcfs", architecture, [2, 6, 6], new Random(5));
            foreach (var (_, layer) in QcfsArchitecture.Layers(network)) GradientCheck.Fill(new Random(6), layer.Threshold.Value.Span, 0.5, 1.5);
            return network;
        }
        Network whole = Build(), parts = Build();
        Tensor x = GradientCheck.RandomTensor(new Random(7), [5, 2, 6, 6]);
        int[] labels = [0, 1, 2, 1, 0];
        Tensor logits = whole.Forward(x, new ForwardContext(true, new Random(1)));
        var grad = new Tensor(logits.Shape);
        SoftmaxCrossEntropy.Compute(logits, labels, grad);
        whole.ZeroGrad();
        whole.Backward(grad);

        Tensor y = x;
        foreach (Layer layer in parts.Layers) y = layer.Forward(y, new ForwardContext(true, new Random(1)));
        Assert.Equal(logits.Data, y.Data);
        parts.ZeroGrad();
        Tensor g = grad;
        for (int i = parts.Layers.Count - 1; i >= 0; i--) g = parts.Layers[i].Backward(g);
        var expected = parts.NamedParameters.ToList();
        var actual = whole.NamedParameters.ToList();
        Assert.Equal(expected.Select(p => p.Name), actual.Select(p => p.Name));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Parameter.Grad.Data, actual[i].Parameter.Grad.Data);
        Assert.Contains(actual, p => p.Name == "2.threshold" && p.Parameter.Grad.Data.Any(v => v != 0));
        Assert.Contains(actual, p => p.Name == "7.threshold" && p.Parameter.Grad.Data[0] != 0);
    }

    [Theory]
    [InlineData("mnist-seed", false)]
    [InlineData("fmnist-net", true)]
    public void A_QCFS_model_file_keeps_its_activation_and_thresholds(string name, bool perChannel)
    {
        ZooModel qcfs = QcfsArchitecture.Swap(ModelZoo.Find(name)!, 4, perChannel);
        Network network = qcfs.Build(new Random(1));
        var rng = new Random(2);
        foreach (var (_, layer) in QcfsArchitecture.Layers(network)) GradientCheck.Fill(rng, layer.Threshold.Value.Span, 0.2, 3);
        string path = _temp.File(name + ".snnm");
        ModelFile.Save(path, new SavedModel(network, qcfs.Dataset, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(), new JsonObject()));

        SavedModel loaded = ModelFile.Load(path);
        Assert.Equal(network.Architecture, loaded.Network.Architecture);
        Assert.Equal(qcfs.Architecture.OfType<QcfsSpec>().Count(), loaded.Network.Architecture.OfType<QcfsSpec>().Count());
        var before = QcfsArchitecture.Layers(network).ToList();
        var after = QcfsArchitecture.Layers(loaded.Network).ToList();
        Assert.Equal(before.Select(p => p.Index), after.Select(p => p.Index));
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i].Layer.Threshold.Value.Data, after[i].Layer.Threshold.Value.Data);
        Tensor batch = GradientCheck.RandomTensor(new Random(3), [4, .. network.InputShape], 0, 1);
        Assert.Equal(network.Forward(batch, ForwardContext.Eval).Data, loaded.Network.Forward(batch, ForwardContext.Eval).Data);
        Assert.Contains("\"type\":\"qcfs\"", ContainerFiles.Read(File.ReadAllBytes(path)).HeaderJson);
    }

    [Fact]
    public void Initial_weights_carry_a_ReLU_model_into_its_QCFS_architecture()
    {
        ZooModel zoo = ModelZoo.Find("fmnist-net")!;
        SavedModel relu = new(zoo.Build(new Random(3)), zoo.Dataset, [], new JsonObject());
        foreach (var (_, value) in relu.Network.StateTensors) GradientCheck.Fill(new Random(value.Length), value.Span, 0.1, 1);
        ZooModel target = QcfsArchitecture.Swap(zoo, 8, perChannel: true);

        var (network, newThresholds) = InitialWeights.Transfer(relu, "relu.snnm", target);

        Assert.Equal(target.Architecture, network.Architecture);
        Assert.Equal(QcfsArchitecture.Layers(network).Select(p => p.Index), newThresholds);
        var copied = relu.Network.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        foreach (var (name, value) in network.StateTensors)
            if (copied.TryGetValue(name, out Tensor? source)) Assert.Equal(source.Data, value.Data);
            else Assert.EndsWith(".threshold", name);

        // A QCFS source with as many thresholds keeps them; one with another count (per layer) does not.
        foreach (var (_, layer) in QcfsArchitecture.Layers(network)) layer.Threshold.Value.Span.Fill(1.25f);
        var qcfsSource = new SavedModel(network, zoo.Dataset, [], new JsonObject());
        var (again, none) = InitialWeights.Transfer(qcfsSource, "qcfs.snnm", QcfsArchitecture.Swap(zoo, 2, perChannel: true));
        Assert.Empty(none);
        Assert.All(QcfsArchitecture.Layers(again), p => Assert.All(p.Layer.Threshold.Value.Data, v => Assert.Equal(1.25f, v)));
        var (_, perLayer) = InitialWeights.Transfer(qcfsSource, "qcfs.snnm", QcfsArchitecture.Swap(zoo, 2, perChannel: false));
        Assert.Equal(newThresholds, perLayer);
        // And back to ReLU: the thresholds are dropped, the weights kept.
        var (back, noThresholds) = InitialWeights.Transfer(qcfsSource, "qcfs.snnm", zoo);
        Assert.Empty(noThresholds);
        Assert.Equal(relu.Network.StateTensors.Select(t => t.Value.Data), back.StateTensors.Select(t => t.Value.Data));
    }

    [Fact]
    public void Initial_weights_of_another_architecture_are_refused_naming_the_file_and_the_first_layer_that_differs()
    {
        ZooModel mnist = ModelZoo.Find("mnist-seed")!;
        var source = new SavedModel(mnist.Build(new Random(1)), mnist.Dataset, [], new JsonObject());
        ZooModel wider = mnist with { Architecture = [.. mnist.Architecture.Take(4), new Conv2dSpec(12, 32, 5), .. mnist.Architecture.Skip(5).Take(4), new LinearSpec(512, 10)] };
        var e = Assert.Throws<InvalidSettingException>(() => InitialWeights.Transfer(source, "models/x.snnm", QcfsArchitecture.Swap(wider, 4, false)));
        Assert.Equal(SettingNames.InitialModel, e.Setting);
        Assert.Contains("models/x.snnm", e.Message);
        Assert.Contains("layer 4 is \"conv2d 12->64 5x5\" where mnist-seed has \"conv2d 12->32 5x5\"", e.Message);

        ZooModel dropout = mnist with { Architecture = [.. mnist.Architecture.Take(2), new DropoutSpec(0.25f), .. mnist.Architecture.Skip(3)] };
        var same = Assert.Throws<InvalidSettingException>(() => InitialWeights.Transfer(source, "x.snnm", dropout));
        Assert.Contains("layer 2", same.Message);

        ZooModel cifar = ModelZoo.Find("cifar10-vgg")!;
        Assert.Contains("input", Assert.Throws<InvalidSettingException>(() => InitialWeights.Transfer(source, "x.snnm", cifar)).Message);
        ZooModel shorter = mnist with { Architecture = [.. mnist.Architecture.Take(9), new LinearSpec(1024, 10), new ReluSpec()] };
        Assert.Contains("10 layers", Assert.Throws<InvalidSettingException>(() => InitialWeights.Transfer(source, "x.snnm", shorter)).Message);
    }
}
