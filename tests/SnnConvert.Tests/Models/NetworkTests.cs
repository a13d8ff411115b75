using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Models;

public class NetworkTests
{
    [Fact]
    public void Mnist_seed_parameter_count_macs_and_shapes_are_as_computed_by_hand()
    {
        Network net = ModelZoo.Find("mnist-seed")!.Build(new Random(1));
        // conv1 1->12 5x5: 12 * 25 = 300; conv2 12->64 5x5: 64 * 12 * 25 = 19200; linear 1024->10: 10240 (no biases).
        Assert.Equal(300 + 19200 + 10240, net.ParameterCount);
        Assert.Equal(29740, net.Parameters.Sum(p => p.Value.Length));
        // conv1: 24x24 outputs x 12 channels x 25 taps; conv2: 8x8 x 64 x (12 x 25); linear: 1024 x 10.
        Assert.Equal(24L * 24 * 12 * 25 + 8L * 8 * 64 * 12 * 25 + 10240, net.Macs);
        Assert.Equal(1_411_840, net.Macs);
        int[][] shapes = [[1, 28, 28], [12, 24, 24], [12, 24, 24], [12, 24, 24], [12, 12, 12], [64, 8, 8], [64, 8, 8], [64, 8, 8], [64, 4, 4], [1024], [10]];
        Assert.Equal(shapes, net.LayerShapes);
        Assert.Equal(10, net.ClassCount);
    }

    [Fact]
    public void Every_zoo_model_builds_and_its_parameter_count_matches_its_tensors()
    {
        foreach (ZooModel zoo in ModelZoo.All)
        {
            Network net = zoo.Build(new Random(1));
            Assert.Equal(net.ParameterCount, net.Parameters.Sum(p => (long)p.Value.Length));
            Assert.Equal(10, net.ClassCount);
            Assert.Equal(zoo.InputShape, net.InputShape);
            Assert.Same(zoo, ModelZoo.Find(zoo.Name.ToUpperInvariant()));
            // Parameter names are "layerIndex.name" and are a prefix of the state tensors (buffers follow per layer).
            Assert.All(net.NamedParameters, p => Assert.Matches(@"^\d+\.(weight|bias)$", p.Name));
            Assert.Equal(net.NamedParameters.Count(), net.StateTensors.Count(t => !t.Name.Contains("running")));
        }
        Assert.Null(ModelZoo.Find("no-such-model"));
    }

    [Fact]
    public void Building_is_deterministic_per_seed()
    {
        ZooModel zoo = ModelZoo.Find("mnist-seed")!;
        float[] a = zoo.Build(new Random(3)).Parameters[0].Value.Data, b = zoo.Build(new Random(3)).Parameters[0].Value.Data;
        float[] c = zoo.Build(new Random(4)).Parameters[0].Value.Data;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    public static TheoryData<string, LayerSpec[], int[]> BadArchitectures() => new()
    {
        { "linear without flatten", [new Conv2dSpec(1, 4, 3), new LinearSpec(4 * 6 * 6, 2)], [1, 8, 8] },
        { "wrong input channels", [new Conv2dSpec(3, 4, 3), new FlattenSpec(), new LinearSpec(4 * 6 * 6, 2)], [1, 8, 8] },
        { "wrong linear size", [new Conv2dSpec(1, 4, 3), new FlattenSpec(), new LinearSpec(100, 2)], [1, 8, 8] },
        { "kernel larger than the image", [new Conv2dSpec(1, 4, 9), new FlattenSpec(), new LinearSpec(4, 2)], [1, 8, 8] },
        { "pool larger than the image", [new AvgPool2dSpec(3), new FlattenSpec(), new LinearSpec(1, 2)], [1, 2, 2] },
        { "batch norm channels", [new Conv2dSpec(1, 4, 3), new BatchNorm2dSpec(5), new FlattenSpec(), new LinearSpec(144, 2)], [1, 8, 8] },
        { "batch norm 1d on images", [new BatchNorm1dSpec(1), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
        { "output is not a vector", [new Conv2dSpec(1, 4, 3)], [1, 8, 8] },
        { "normalize channels", [new NormalizeSpec([0f, 0f], [1f, 1f]), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
        { "conv stride 0", [new Conv2dSpec(1, 4, 3, Stride: 0), new FlattenSpec(), new LinearSpec(4, 2)], [1, 8, 8] },
        { "conv negative padding", [new Conv2dSpec(1, 4, 3, Padding: -1), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
        { "normalize std missing", [new NormalizeSpec([0f], []), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
        { "normalize std zero", [new NormalizeSpec([0f], [0f]), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
        { "dropout probability 1", [new DropoutSpec(1f), new FlattenSpec(), new LinearSpec(64, 2)], [1, 8, 8] },
    };

    [Theory]
    [MemberData(nameof(BadArchitectures))]
    public void Rejects_architectures_whose_shapes_or_settings_do_not_fit(string what, LayerSpec[] architecture, int[] input)
    {
        var e = Assert.Throws<ArgumentException>(() => new Network(what, architecture, input, new Random(0)));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void Forward_rejects_a_batch_of_another_image_shape()
    {
        Network net = ModelZoo.Find("mnist-seed")!.Build(new Random(1));
        Assert.Throws<ArgumentException>(() => net.Forward(new Tensor(2, 1, 32, 32), ForwardContext.Eval));
        Assert.Throws<ArgumentException>(() => net.Forward(new Tensor(2, 784), ForwardContext.Eval));
        Assert.Equal([3, 10], net.Forward(new Tensor(3, 1, 28, 28), ForwardContext.Eval).Shape);
    }
}
