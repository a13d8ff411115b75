using System.Text.RegularExpressions;
using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class DatasetCatalogTests
{
    [Theory]
    [InlineData("mnist", "mnist")]
    [InlineData("MNIST", "mnist")]
    [InlineData("fmnist", "fmnist")]
    [InlineData("fashion-mnist", "fmnist")]
    [InlineData("cifar10", "cifar10")]
    [InlineData("CIFAR-10", "cifar10")]
    public void Find_accepts_names_and_aliases(string name, string expected) =>
        Assert.Equal(expected, DatasetCatalog.Find(name).Name);

    [Fact]
    public void Find_unknown_name_is_a_usage_error_listing_the_names()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => DatasetCatalog.Find("imagenet"));

        Assert.Contains("'imagenet'", ex.Message);
        Assert.Contains("mnist", ex.Message);
        Assert.Contains("fmnist (fashion-mnist)", ex.Message);
        Assert.Contains("cifar10 (cifar-10)", ex.Message);
    }

    [Fact]
    public void Entries_are_complete()
    {
        foreach (DatasetInfo info in DatasetCatalog.All)
        {
            Assert.Equal(10, info.ClassNames.Count);
            Assert.NotEmpty(info.Mirrors);
            Assert.All(info.Mirrors, mirror => Assert.EndsWith("/", mirror));
            Assert.All(info.Files, file => Assert.Matches(new Regex("^[0-9a-f]{64}$"), file.Sha256));
            Assert.Equal(info.Files.Count, info.Files.Select(f => f.Sha256).Distinct().Count());
            // What `data fetch` writes must be found again by the locator.
            Assert.True(info.SearchPaths.Contains(info.CacheFolder) ||
                        info.Files.All(f => info.SearchPaths.Contains(info.CacheFolder + "/" + f.FileName)), info.Name);
        }
    }

    [Fact]
    public void Class_names_are_the_standard_ones()
    {
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], DatasetCatalog.Mnist.ClassNames);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            DatasetCatalog.FashionMnist.ClassNames);
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
            DatasetCatalog.Cifar10.ClassNames);
    }

    [Fact]
    public void Mirrors_are_the_canonical_ones()
    {
        Assert.Contains("https://ossci-datasets.s3.amazonaws.com/mnist/", DatasetCatalog.Mnist.Mirrors);
        Assert.Contains("http://yann.lecun.com/exdb/mnist/", DatasetCatalog.Mnist.Mirrors);
        Assert.Equal("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", DatasetCatalog.FashionMnist.Mirrors[0]);
        Assert.Equal(["https://www.cs.toronto.edu/~kriz/"], DatasetCatalog.Cifar10.Mirrors);
        DatasetFile archive = Assert.Single(DatasetCatalog.Cifar10.Files);
        Assert.Equal("cifar-10-binary.tar.gz", archive.FileName);
        Assert.Equal(ChecksumScope.FileBytes, archive.Scope);
    }
}
