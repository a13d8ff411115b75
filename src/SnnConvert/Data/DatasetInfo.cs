namespace SnnConvert.Data;

/// <summary>
/// Everything needed to find, read and download one dataset. The built-in entries live in
/// <see cref="DatasetCatalog"/>; custom entries (e.g. with a local mirror and test hashes) can be built freely.
/// </summary>
public sealed record DatasetInfo
{
    /// <summary>Name on the command line, e.g. "mnist"; also the first part of <see cref="ImageDataset.Name"/>.</summary>
    public required string Name { get; init; }

    /// <summary>Other accepted command-line names, e.g. "fashion-mnist".</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Human-readable name, e.g. "Fashion-MNIST".</summary>
    public required string DisplayName { get; init; }

    /// <summary>File layout, which selects the reader.</summary>
    public required DatasetFormat Format { get; init; }

    /// <summary>
    /// Paths, relative to each search root, where the dataset may sit, in order of preference. Each is a
    /// folder holding the files, or (for CIFAR-10) the archive file itself.
    /// </summary>
    public required IReadOnlyList<string> SearchPaths { get; init; }

    /// <summary>Folder, relative to the download cache root, that <see cref="DatasetDownloader"/> fills;
    /// it must also be reachable through <see cref="SearchPaths"/> so a fetched dataset is found.</summary>
    public required string CacheFolder { get; init; }

    /// <summary>Files to download, each with its expected checksum.</summary>
    public required IReadOnlyList<DatasetFile> Files { get; init; }

    /// <summary>Base URLs (ending in '/') tried in order; a file's URL is the base plus its file name.</summary>
    public required IReadOnlyList<string> Mirrors { get; init; }

    /// <summary>Class names in label order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Channels per image.</summary>
    public required int Channels { get; init; }

    /// <summary>Image height.</summary>
    public required int Height { get; init; }

    /// <summary>Image width.</summary>
    public required int Width { get; init; }

    /// <summary>Whether <paramref name="name"/> is this dataset's name or one of its aliases (case-insensitive).</summary>
    /// <param name="name">A name as typed on the command line.</param>
    public bool Matches(string name) =>
        string.Equals(Name, name, StringComparison.OrdinalIgnoreCase) ||
        Aliases.Any(alias => string.Equals(alias, name, StringComparison.OrdinalIgnoreCase));
}
