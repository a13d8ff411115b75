using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>The built-in datasets, looked up by command-line name.</summary>
/// <remarks>
/// Checksums are SHA-256 of the decompressed content wherever that is known, because mirrors serve the
/// same content under different gzip wrappers (the Debian Fashion-MNIST package, for one, drops the file
/// name from the gzip header, so its .gz bytes differ from Zalando's while the content is identical).
/// </remarks>
public static class DatasetCatalog
{
    /// <summary>MNIST handwritten digits, 60000 train + 10000 test, 1x28x28.</summary>
    /// <remarks>
    /// Hashes were computed from byte-exact local copies whose uncompressed MD5s equal the published ones
    /// (train-images 6bbc9ace…, train-labels a25bea73…, t10k-images 2646ac64…, t10k-labels 27ae3e4e…);
    /// the same SHA-256 values appear in several independent public projects.
    /// </remarks>
    public static DatasetInfo Mnist { get; } = new()
    {
        Name = "mnist",
        DisplayName = "MNIST",
        Format = DatasetFormat.Idx,
        SearchPaths = ["mnist"],
        CacheFolder = "mnist",
        Files = IdxFiles(
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        // PyTorch's S3 mirror first: LeCun's site has been intermittently unavailable for years.
        Mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
        ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Channels = 1, Height = 28, Width = 28,
    };

    /// <summary>Fashion-MNIST (Zalando), 60000 train + 10000 test, 1x28x28.</summary>
    /// <remarks>
    /// Hashes were computed from Debian's dataset-fashion-mnist package, whose uncompressed MD5s equal the
    /// published uncompressed MD5s (train-images f4a8712d…, train-labels 9018921c…, t10k-images 8181f547…,
    /// t10k-labels 15d48437…); the same SHA-256 values appear in independent public projects.
    /// </remarks>
    public static DatasetInfo FashionMnist { get; } = new()
    {
        Name = "fmnist",
        Aliases = ["fashion-mnist"],
        DisplayName = "Fashion-MNIST",
        Format = DatasetFormat.Idx,
        SearchPaths = ["fashion-mnist", "fmnist"],
        CacheFolder = "fashion-mnist",
        Files = IdxFiles(
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        // Zalando's S3 site is the documented source; their GitHub repository holds the same .gz files.
        Mirrors =
        [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ],
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        Channels = 1, Height = 28, Width = 28,
    };

    /// <summary>CIFAR-10 binary version, 50000 train + 10000 test, 3x32x32.</summary>
    /// <remarks>
    /// Only a checksum of the archive itself is published (MD5 c32a1d4ab5d03f1284b67883e8d87530 on the
    /// Toronto page); no trustworthy hash of the decompressed tar or of the batch files could be found, and
    /// the local copy of the batches is a lossy re-encoding, so no content hash can be computed here either.
    /// The download is therefore checked against the SHA-256 of the archive bytes, as published by several
    /// independent projects (e.g. MLDatasets.jl, torch.rb) and recorded together with that MD5 and the size
    /// 170052171 bytes. The archive is kept as downloaded and read directly by <see cref="Cifar10Reader"/>.
    /// </remarks>
    public static DatasetInfo Cifar10 { get; } = new()
    {
        Name = "cifar10",
        Aliases = ["cifar-10"],
        DisplayName = "CIFAR-10",
        Format = DatasetFormat.Cifar10Binary,
        // Extracted folders before archives: reading loose .bin files is faster than inflating 170 MB.
        SearchPaths =
        [
            "cifar10/cifar-10-batches-bin", "cifar-10-batches-bin", "cifar10",
            "cifar10/cifar-10-binary.tar.gz", "cifar-10-binary.tar.gz",
        ],
        CacheFolder = "cifar10",
        Files = [new DatasetFile("cifar-10-binary.tar.gz", "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", ChecksumScope.FileBytes)],
        Mirrors = ["https://www.cs.toronto.edu/~kriz/"],
        ClassNames = Cifar10Reader.StandardClassNames,
        Channels = 3, Height = 32, Width = 32,
    };

    /// <summary>All built-in datasets.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Mnist, FashionMnist, Cifar10];

    /// <summary>Finds a dataset by name or alias (case-insensitive); null when unknown.</summary>
    /// <param name="name">A name as typed on the command line.</param>
    public static DatasetInfo? TryFind(string name) => All.FirstOrDefault(info => info.Matches(name));

    /// <summary>Finds a dataset by name or alias (case-insensitive).</summary>
    /// <param name="name">A name as typed on the command line.</param>
    /// <exception cref="InvalidSettingException">No dataset has that name.</exception>
    public static DatasetInfo Find(string name) =>
        TryFind(name) ?? throw new InvalidSettingException(SettingNames.Dataset,
            $"expected one of {string.Join(", ", All.Select(Describe))}, found '{name}'");

    private static string Describe(DatasetInfo info) =>
        info.Aliases.Count == 0 ? info.Name : $"{info.Name} ({string.Join(", ", info.Aliases)})";

    private static DatasetFile[] IdxFiles(string trainImages, string trainLabels, string testImages, string testLabels) =>
    [
        new(MnistFamilyLoader.ImagesFileName("train") + ".gz", trainImages),
        new(MnistFamilyLoader.LabelsFileName("train") + ".gz", trainLabels),
        new(MnistFamilyLoader.ImagesFileName("test") + ".gz", testImages),
        new(MnistFamilyLoader.LabelsFileName("test") + ".gz", testLabels),
    ];
}
