using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class MnistFamilyLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_builds_dataset_with_class_names(bool gzip)
    {
        string folder = _dir.Sub("tiny");
        TestData.WriteIdxDataset(folder, size: 4, trainCount: 3, testCount: 2, gzip: gzip);
        DatasetInfo info = TestData.TinyIdxInfo() with { ClassNames = DatasetCatalog.FashionMnist.ClassNames };

        ImageDataset train = MnistFamilyLoader.Load(folder, "train", info);
        ImageDataset test = DatasetLoader.LoadFrom(info, folder, "test");

        Assert.Equal("tiny/train", train.Name);
        Assert.Equal(3, train.Count);
        Assert.Equal([1, 4, 4], train.SampleShape);
        Assert.Equal(new[] { 0, 1, 2 }, Enumerable.Range(0, 3).Select(train.Label));
        Assert.Equal(TestData.PixelValue(16 + 5, "train".Length), train.Pixels(1)[5]);
        Assert.Equal(2, test.Count);
        Assert.Equal("T-shirt/top", test.ClassNames[0]);
        Assert.Equal("Ankle boot", test.ClassNames[9]);
    }

    [Fact]
    public void Image_and_label_counts_that_differ_name_both_files()
    {
        string folder = _dir.Sub("tiny");
        TestData.WriteIdxDataset(folder);
        string labels = Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, TestData.Gzip(TestData.IdxLabels(1, 2, 3)));

        var ex = Assert.Throws<DataFormatException>(() => MnistFamilyLoader.Load(folder, "test", TestData.TinyIdxInfo()));

        Assert.Contains(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), ex.Message);
        Assert.Contains(labels, ex.Message);
        Assert.Contains("image count vs label count", ex.Message);
        Assert.Contains("found 2 images and 3 labels", ex.Message);
    }

    [Fact]
    public void Label_outside_classes_is_an_error()
    {
        string folder = _dir.Sub("tiny");
        TestData.WriteIdxDataset(folder);
        string labels = Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");
        File.WriteAllBytes(labels, TestData.Gzip(TestData.IdxLabels(1, 10)));

        var ex = Assert.Throws<DataFormatException>(() => MnistFamilyLoader.Load(folder, "test", TestData.TinyIdxInfo()));

        Assert.Contains(labels, ex.Message);
        Assert.Contains("label of item 1: expected 0..9, found 10", ex.Message);
    }

    [Fact]
    public void Image_size_different_from_dataset_is_an_error()
    {
        string folder = _dir.Sub("tiny");
        TestData.WriteIdxDataset(folder, size: 4);

        var ex = Assert.Throws<DataFormatException>(() => MnistFamilyLoader.Load(folder, "test", DatasetCatalog.Mnist));

        Assert.Contains("t10k-images-idx3-ubyte.gz", ex.Message);
        Assert.Contains("image size: expected 28x28 for MNIST, found 4x4", ex.Message);
    }

    [Fact]
    public void Missing_file_is_dataset_not_found()
    {
        string folder = _dir.Sub("tiny");
        TestData.WriteIdxDataset(folder);
        File.Delete(Path.Combine(folder, "train-labels-idx1-ubyte.gz"));

        var ex = Assert.Throws<DatasetNotFoundException>(() => MnistFamilyLoader.Load(folder, "train", TestData.TinyIdxInfo()));

        Assert.Contains("train-labels-idx1-ubyte", ex.Message);
    }

    [Fact]
    public void Unknown_split_is_a_usage_error()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => MnistFamilyLoader.Load(_dir.Path, "validation", TestData.TinyIdxInfo()));

        Assert.Contains("split: expected 'train' or 'test', found 'validation'", ex.Message);
    }
}
