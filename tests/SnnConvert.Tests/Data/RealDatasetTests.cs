using SnnConvert.Data;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Data;

/// <summary>
/// Checks against the real datasets, which the README's setup provides (CI keeps shared/datasets beside the clone
/// and installs Debian's Fashion-MNIST package).
/// </summary>
public sealed class RealDatasetTests(ITestOutputHelper output)
{
    // The README's setup provides all three datasets (Fashion-MNIST from Debian, MNIST and CIFAR-10 from shared/datasets
    // or `snnconvert data fetch`): a missing one fails the test rather than skipping it silently.
    private static DatasetLocation Find(DatasetInfo info, string split) =>
        DatasetLocator.CreateDefault(null).Locate(info, split);

    [Fact]
    public void MNIST_test_split_has_10000_images_with_the_known_label_counts()
    {
        DatasetLocation location = Find(DatasetCatalog.Mnist, "test");
        output.WriteLine($"using {location.Path} ({location.Root.Origin})");

        ImageDataset test = DatasetLoader.Load("mnist", "test", null);

        Assert.Equal(10000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal("mnist/test", test.Name);
        int[] counts = new int[10];
        for (int i = 0; i < test.Count; i++) counts[test.Label(i)]++;
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], counts);
    }

    [Fact]
    public void Fashion_MNIST_test_split_has_1000_images_per_class()
    {
        DatasetLocation location = Find(DatasetCatalog.FashionMnist, "test");
        output.WriteLine($"using {location.Path} ({location.Root.Origin})");

        ImageDataset test = DatasetLoader.LoadFrom(DatasetCatalog.FashionMnist, location.Path, "test");

        Assert.Equal(10000, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        int[] counts = new int[10];
        for (int i = 0; i < test.Count; i++) counts[test.Label(i)]++;
        Assert.All(counts, c => Assert.Equal(1000, c));
    }

    [Fact]
    public void Cifar10_test_split_has_1000_images_per_class()
    {
        DatasetLocation location = Find(DatasetCatalog.Cifar10, "test");
        output.WriteLine($"using {location.Path} ({location.Root.Origin})");

        ImageDataset test = DatasetLoader.LoadFrom(DatasetCatalog.Cifar10, location.Path, "test");

        Assert.Equal(10000, test.Count);
        Assert.Equal([3, 32, 32], test.SampleShape);
        Assert.Equal(DatasetCatalog.Cifar10.ClassNames, test.ClassNames);
        int[] counts = new int[10];
        for (int i = 0; i < test.Count; i++) counts[test.Label(i)]++;
        Assert.All(counts, c => Assert.Equal(1000, c));
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("fmnist")]
    public void Catalog_checksums_match_the_local_exact_copies(string name)
    {
        DatasetInfo info = DatasetCatalog.Find(name);
        DatasetLocation location = Find(info, "train");
        output.WriteLine($"using {location.Path} ({location.Root.Origin})");

        foreach (DatasetFile file in info.Files)
        {
            string path = Path.Combine(location.Path, file.FileName);
            if (!File.Exists(path)) path = path[..^".gz".Length];   // a raw copy has the same content hash
            Assert.Equal(file.Sha256, DatasetDownloader.ComputeSha256(path, file.Scope));
        }
    }
}
