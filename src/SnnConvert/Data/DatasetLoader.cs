using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>The one entry point for loading a dataset split by name: locate, then read with the right reader.</summary>
public static class DatasetLoader
{
    /// <summary>Loads split <paramref name="split"/> of the dataset called <paramref name="name"/>.</summary>
    /// <param name="name">"mnist", "fmnist" (or "fashion-mnist"), "cifar10" (or "cifar-10").</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="dataDir">The <c>--data-dir</c> option, searched first; null to use only the default places.</param>
    /// <exception cref="InvalidSettingException">Unknown dataset or split.</exception>
    /// <exception cref="DatasetNotFoundException">The dataset is in none of the searched places.</exception>
    /// <exception cref="DataFormatException">A dataset file is malformed.</exception>
    public static ImageDataset Load(string name, string split, string? dataDir) =>
        Load(DatasetCatalog.Find(name), split, DatasetLocator.CreateDefault(dataDir));

    /// <summary>Loads a split of <paramref name="info"/>, searching with <paramref name="locator"/>.</summary>
    /// <param name="info">The dataset.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="locator">Where to search.</param>
    /// <exception cref="DatasetNotFoundException">The dataset is in none of the searched places.</exception>
    /// <exception cref="DataFormatException">A dataset file is malformed.</exception>
    public static ImageDataset Load(DatasetInfo info, string split, DatasetLocator locator) =>
        LoadFrom(info, locator.Locate(info, split).Path, split);

    /// <summary>Loads a split of <paramref name="info"/> from a known folder (or CIFAR-10 archive).</summary>
    /// <param name="info">The dataset.</param>
    /// <param name="path">The dataset folder, or the archive file for CIFAR-10.</param>
    /// <param name="split">"train" or "test".</param>
    /// <exception cref="DatasetNotFoundException">A required file is missing.</exception>
    /// <exception cref="DataFormatException">A dataset file is malformed.</exception>
    public static ImageDataset LoadFrom(DatasetInfo info, string path, string split) => info.Format switch
    {
        DatasetFormat.Idx => MnistFamilyLoader.Load(path, split, info),
        DatasetFormat.Cifar10Binary => Cifar10Reader.Read(path, split, info.Name),
        _ => throw new ArgumentOutOfRangeException(nameof(info), info.Format, "unknown dataset format"),
    };

    /// <summary>Checks a split name and returns it in lower case.</summary>
    /// <param name="split">"train" or "test", any case.</param>
    /// <exception cref="InvalidSettingException">Any other value.</exception>
    public static string NormalizeSplit(string split) => split.ToLowerInvariant() switch
    {
        "train" => "train",
        "test" => "test",
        _ => throw new InvalidSettingException(SettingNames.Split, $"expected 'train' or 'test', found '{split}'"),
    };
}
