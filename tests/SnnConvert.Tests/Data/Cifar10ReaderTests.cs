using System.Formats.Tar;
using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class Cifar10ReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] TrainNames =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    // Batch k (1..5) holds labels k-1 and k+4, so the concatenated train labels are 0,5,1,6,2,7,3,8,4,9.
    private static byte[] TrainBatch(int k) => TestData.CifarBatch(seed: k, (byte)(k - 1), (byte)(k + 4));
    private static byte[] TestBatch() => TestData.CifarBatch(seed: 9, 9, 8, 7);

    private string WriteFolder(bool withMeta = false)
    {
        string folder = _dir.Sub("cifar-10-batches-bin");
        for (int k = 1; k <= 5; k++) File.WriteAllBytes(Path.Combine(folder, TrainNames[k - 1]), TrainBatch(k));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), TestBatch());
        if (withMeta) File.WriteAllText(Path.Combine(folder, "batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        return folder;
    }

    private static void AssertTrainContent(ImageDataset train)
    {
        Assert.Equal(10, train.Count);
        Assert.Equal([3, 32, 32], train.SampleShape);
        Assert.Equal(new[] { 0, 5, 1, 6, 2, 7, 3, 8, 4, 9 }, Enumerable.Range(0, 10).Select(train.Label));
        // Record 1 of batch 3 is image 5: its bytes are copied as stored (R plane, G plane, B plane).
        ReadOnlySpan<byte> image = train.Pixels(5);
        for (int j = 0; j < Cifar10Reader.ImageLength; j += 97) Assert.Equal(TestData.CifarPixel(3, 1, j), image[j]);
    }

    [Fact]
    public void Folder_reads_both_splits_in_batch_order()
    {
        string folder = WriteFolder();

        ImageDataset train = Cifar10Reader.ReadFolder(folder, "train");
        ImageDataset test = Cifar10Reader.Read(folder, "TEST");

        AssertTrainContent(train);
        Assert.Equal("cifar10/train", train.Name);
        Assert.Equal(Cifar10Reader.StandardClassNames, train.ClassNames);
        Assert.Equal(3, test.Count);
        Assert.Equal(new[] { 9, 8, 7 }, Enumerable.Range(0, 3).Select(test.Label));
        Assert.Equal("cifar10/test", test.Name);
    }

    [Fact]
    public void Folder_uses_class_names_from_meta_file()
    {
        string folder = WriteFolder(withMeta: true);

        ImageDataset test = Cifar10Reader.ReadFolder(folder, "test");

        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], test.ClassNames);
    }

    [Fact]
    public void Meta_file_with_wrong_line_count_is_an_error()
    {
        string folder = WriteFolder();
        string meta = Path.Combine(folder, "batches.meta.txt");
        File.WriteAllText(meta, "cat\ndog\n");

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadFolder(folder, "test"));

        Assert.Contains(meta, ex.Message);
        Assert.Contains("class names: expected 10 non-empty lines, found 2", ex.Message);
    }

    [Fact]
    public void A_label_of_10_or_more_names_file_record_and_value()
    {
        string folder = WriteFolder();
        string path = Path.Combine(folder, "test_batch.bin");
        File.WriteAllBytes(path, TestData.CifarBatch(0, 1, 2, 10));

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadFolder(folder, "test"));

        Assert.Contains(path, ex.Message);
        Assert.Contains("label of record 2: expected 0..9, found 10", ex.Message);
    }

    [Theory]
    [InlineData(2 * 3073 + 1)]
    [InlineData(2 * 3073 - 1)]
    [InlineData(0)]
    public void Length_not_a_positive_multiple_of_3073_is_an_error(int length)
    {
        string folder = WriteFolder();
        string path = Path.Combine(folder, "data_batch_4.bin");
        byte[] batch = TrainBatch(4);   // 2 records
        Array.Resize(ref batch, length);
        File.WriteAllBytes(path, batch);

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadFolder(folder, "train"));

        Assert.Contains(path, ex.Message);
        Assert.Contains("file length: expected a positive multiple of 3073 bytes", ex.Message);
        Assert.Contains($"found {length} bytes", ex.Message);
    }

    [Fact]
    public void Missing_batch_is_dataset_not_found()
    {
        string folder = WriteFolder();
        File.Delete(Path.Combine(folder, "data_batch_2.bin"));

        var ex = Assert.Throws<DatasetNotFoundException>(() => Cifar10Reader.ReadFolder(folder, "train"));

        Assert.Contains("data_batch_2.bin", ex.Message);
    }

    [Theory]
    [InlineData(TarEntryFormat.V7)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Archive_reads_both_splits_without_extracting(TarEntryFormat format)
    {
        // Members deliberately out of order, with a directory entry and an unrelated file in between.
        var members = new List<(string, byte[])> { ("cifar-10-batches-bin/test_batch.bin", TestBatch()), ("cifar-10-batches-bin/readme.html", "hi"u8.ToArray()) };
        for (int k = 5; k >= 1; k--) members.Add(($"cifar-10-batches-bin/{TrainNames[k - 1]}", TrainBatch(k)));
        members.Add(("cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n"u8.ToArray()));
        string archive = _dir.Write("cifar-10-binary.tar.gz", TestData.TarGz(format, [.. members]));
        int filesBefore = Directory.GetFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories).Length;

        ImageDataset train = Cifar10Reader.Read(archive, "train");
        ImageDataset test = Cifar10Reader.ReadArchive(archive, "test");

        AssertTrainContent(train);
        Assert.Equal(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], train.ClassNames);
        Assert.Equal(3, test.Count);
        Assert.Equal(TestBatch()[1..3073], test.Pixels(0).ToArray());
        Assert.Equal(filesBefore, Directory.GetFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Archive_missing_member_is_an_error()
    {
        string archive = _dir.Write("cifar-10-binary.tar.gz", TestData.TarGz(("cifar-10-batches-bin/data_batch_1.bin", TrainBatch(1))));

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadArchive(archive, "test"));

        Assert.Contains(archive, ex.Message);
        Assert.Contains("archive member: expected test_batch.bin", ex.Message);
    }

    [Fact]
    public void Archive_bad_label_names_archive_and_member()
    {
        string archive = _dir.Write("c.tar.gz", TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", TestData.CifarBatch(0, 3, 200))));

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadArchive(archive, "test"));

        Assert.Contains(archive, ex.Message);
        Assert.Contains("test_batch.bin", ex.Message);
        Assert.Contains("label of record 1: expected 0..9, found 200", ex.Message);
    }

    [Fact]
    public void Archive_bad_member_length_is_an_error()
    {
        string archive = _dir.Write("c.tar.gz", TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", new byte[3074])));

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadArchive(archive, "test"));

        Assert.Contains("test_batch.bin", ex.Message);
        Assert.Contains("file length: expected a positive multiple of 3073 bytes", ex.Message);
        Assert.Contains("found 3074 bytes", ex.Message);
    }

    [Fact]
    public void Archive_truncated_is_a_data_format_error()
    {
        byte[] full = TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", TestData.CifarBatch(5, Enumerable.Repeat((byte)1, 40).ToArray())));
        string archive = _dir.Write("cut.tar.gz", full[..(full.Length / 2)]);

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadArchive(archive, "test"));

        Assert.Contains(archive, ex.Message);
    }

    [Fact]
    public void Archive_not_gzip_is_an_error()
    {
        string archive = _dir.Write("c.tar.gz", "plain text"u8.ToArray());

        var ex = Assert.Throws<DataFormatException>(() => Cifar10Reader.ReadArchive(archive, "test"));

        Assert.Contains(archive, ex.Message);
        Assert.Contains("archive format", ex.Message);
    }
}
