using SnnConvert.Layers;

namespace SnnConvert.Models;

/// <summary>A named architecture of the zoo and the training recipe it was designed with.</summary>
/// <param name="Name">CLI name, e.g. "mnist-seed".</param>
/// <param name="Dataset">Dataset it is meant for.</param>
/// <param name="Description">One line on what it is and why.</param>
/// <param name="InputShape">Per-sample input (C, H, W).</param>
/// <param name="Architecture">The layers.</param>
/// <param name="Recipe">Default training settings.</param>
public sealed record ZooModel(string Name, string Dataset, string Description, int[] InputShape, IReadOnlyList<LayerSpec> Architecture, TrainingRecipe Recipe)
{
    /// <summary>Builds the network with parameters initialised from <paramref name="random"/>.</summary>
    public Network Build(Random random) => new(Name, Architecture, InputShape, random);
}

/// <summary>Default training settings of a zoo model (each can be overridden on the command line).</summary>
public sealed record TrainingRecipe(string Optimizer, float LearningRate, int BatchSize, int Epochs, string Schedule,
    float WeightDecay = 0f, float Momentum = 0.9f, bool Nesterov = false, bool Augment = false, int Cutout = 0, float LabelSmoothing = 0f);

/// <summary>The named architectures SnnConvert trains and converts. All use average pooling (conversion-friendly).</summary>
public static class ModelZoo
{
    /// <summary>All zoo models.</summary>
    public static IReadOnlyList<ZooModel> All { get; } =
    [
        new("mnist-seed", "mnist",
            "The seed paper's MNIST net (Ngu & Lee 2022): two 5x5 convs without bias, dropout 0.5, average pooling, one dense layer.",
            [1, 28, 28],
            [
                new Conv2dSpec(1, 12, 5), new ReluSpec(), new DropoutSpec(0.5f), new AvgPool2dSpec(2),
                new Conv2dSpec(12, 64, 5), new ReluSpec(), new DropoutSpec(0.5f), new AvgPool2dSpec(2),
                new FlattenSpec(), new LinearSpec(1024, 10),
            ],
            new TrainingRecipe("adam", 1e-3f, 50, 15, "cosine")),
        new("fmnist-net", "fmnist",
            "Three 3x3 conv blocks (32-64-128) with batch norm and average pooling, then a 256-unit dense layer; no bias before folding.",
            [1, 28, 28],
            [
                new NormalizeSpec([0.2860f], [0.3530f]),
                new Conv2dSpec(1, 32, 3, Padding: 1), new BatchNorm2dSpec(32), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(32, 64, 3, Padding: 1), new BatchNorm2dSpec(64), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(64, 128, 3, Padding: 1), new BatchNorm2dSpec(128), new ReluSpec(), new AvgPool2dSpec(2),
                new FlattenSpec(), new DropoutSpec(0.3f), new LinearSpec(1152, 256), new ReluSpec(), new DropoutSpec(0.3f),
                new LinearSpec(256, 10),
            ],
            new TrainingRecipe("adam", 1e-3f, 64, 20, "cosine", WeightDecay: 5e-4f)),
        new("cifar10-vgg", "cifar10",
            "VGG-style: conv pairs 32-32, 64-64, 128-128, then 256, 3x3 with batch norm, average pooling, one dense layer (~43M MACs).",
            [3, 32, 32],
            [
                new NormalizeSpec([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]),
                new Conv2dSpec(3, 32, 3, Padding: 1), new BatchNorm2dSpec(32), new ReluSpec(),
                new Conv2dSpec(32, 32, 3, Padding: 1), new BatchNorm2dSpec(32), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(32, 64, 3, Padding: 1), new BatchNorm2dSpec(64), new ReluSpec(),
                new Conv2dSpec(64, 64, 3, Padding: 1), new BatchNorm2dSpec(64), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(64, 128, 3, Padding: 1), new BatchNorm2dSpec(128), new ReluSpec(),
                new Conv2dSpec(128, 128, 3, Padding: 1), new BatchNorm2dSpec(128), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(128, 256, 3, Padding: 1), new BatchNorm2dSpec(256), new ReluSpec(), new AvgPool2dSpec(2),
                new FlattenSpec(), new DropoutSpec(0.2f), new LinearSpec(1024, 10),
            ],
            new TrainingRecipe("sgd", 0.05f, 128, 30, "cosine", WeightDecay: 5e-4f, Momentum: 0.9f, Nesterov: true, Augment: true)),
        new("cifar10-vgg-wide", "cifar10",
            "cifar10-vgg at 1.5x the width: conv pairs 48-48, 96-96, 192-192, then 384, for >= 90 % within the 2-core budget (~97M MACs).",
            [3, 32, 32],
            [
                new NormalizeSpec([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]),
                new Conv2dSpec(3, 48, 3, Padding: 1), new BatchNorm2dSpec(48), new ReluSpec(),
                new Conv2dSpec(48, 48, 3, Padding: 1), new BatchNorm2dSpec(48), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(48, 96, 3, Padding: 1), new BatchNorm2dSpec(96), new ReluSpec(),
                new Conv2dSpec(96, 96, 3, Padding: 1), new BatchNorm2dSpec(96), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(96, 192, 3, Padding: 1), new BatchNorm2dSpec(192), new ReluSpec(),
                new Conv2dSpec(192, 192, 3, Padding: 1), new BatchNorm2dSpec(192), new ReluSpec(), new AvgPool2dSpec(2),
                new Conv2dSpec(192, 384, 3, Padding: 1), new BatchNorm2dSpec(384), new ReluSpec(), new AvgPool2dSpec(2),
                new FlattenSpec(), new DropoutSpec(0.2f), new LinearSpec(1536, 10),
            ],
            new TrainingRecipe("sgd", 0.05f, 128, 40, "cosine", WeightDecay: 5e-4f, Momentum: 0.9f, Nesterov: true, Augment: true)),
    ];

    /// <summary>Finds a zoo model by name (case-insensitive), or null.</summary>
    public static ZooModel? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
}
