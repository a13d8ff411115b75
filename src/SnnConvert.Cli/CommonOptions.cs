using System.CommandLine;

namespace SnnConvert.Cli;

/// <summary>Options shared by several commands.</summary>
public static class CommonOptions
{
    /// <summary>--data-dir: where datasets are looked for first.</summary>
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder holding datasets (searched before SNNCONVERT_DATA, ~/.cache/snnconvert/datasets, /usr/share/datasets and shared/datasets beside the checkout)",
    };

    /// <summary>--download: fetch a missing dataset.</summary>
    public static Option<bool> Download() => new("--download")
    {
        Description = "Download the dataset into the cache when it is not found (verified by SHA-256)",
    };

    /// <summary>--dataset: mnist, fmnist or cifar10.</summary>
    public static Option<string> Dataset(bool required) => new("--dataset")
    {
        Description = "Dataset: mnist, fmnist or cifar10",
        Required = required,
    };

    /// <summary>--seed: source of every random choice.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed for every random choice (initialisation, shuffling, augmentation, dropout)",
        DefaultValueFactory = _ => 1,
    };
}
