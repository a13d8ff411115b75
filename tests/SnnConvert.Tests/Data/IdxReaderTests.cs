using System.Diagnostics;
using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_round_trip(bool gzip)
    {
        byte[] raw = TestData.IdxImages(3, 4, 5, seed: 7);
        string path = _dir.Write(gzip ? "images.gz" : "images", gzip ? TestData.Gzip(raw) : raw);

        IdxImages images = IdxReader.ReadImages(path);

        Assert.Equal(3, images.Count);
        Assert.Equal(4, images.Rows);
        Assert.Equal(5, images.Columns);
        Assert.Equal(raw[16..], images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_round_trip(bool gzip)
    {
        byte[] raw = TestData.IdxLabels(3, 1, 4, 1, 5, 9);
        string path = _dir.Write(gzip ? "labels.gz" : "labels", gzip ? TestData.Gzip(raw) : raw);

        Assert.Equal(new byte[] { 3, 1, 4, 1, 5, 9 }, IdxReader.ReadLabels(path));
    }

    [Fact]
    public void Gzip_is_detected_by_content_not_by_extension()
    {
        byte[] raw = TestData.IdxLabels(1, 2, 3);
        string gzipWithoutExtension = _dir.Write("labels-idx1-ubyte", TestData.Gzip(raw));
        string rawWithGzExtension = _dir.Write("labels-idx1-ubyte.gz", raw);

        Assert.Equal(new byte[] { 1, 2, 3 }, IdxReader.ReadLabels(gzipWithoutExtension));
        Assert.Equal(new byte[] { 1, 2, 3 }, IdxReader.ReadLabels(rawWithGzExtension));
    }

    [Fact]
    public void Empty_files_are_valid()
    {
        Assert.Equal(0, IdxReader.ReadImages(_dir.Write("i", TestData.IdxImages(0, 28, 28))).Count);
        Assert.Empty(IdxReader.ReadLabels(_dir.Write("l.gz", TestData.Gzip(TestData.IdxLabels()))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_images_name_file_field_and_lengths(bool gzip)
    {
        byte[] raw = TestData.IdxImages(3, 4, 5)[..^1];
        string path = _dir.Write(gzip ? "cut-images.gz" : "cut-images", gzip ? TestData.Gzip(raw) : raw);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("data length", ex.Message);
        Assert.Contains("expected 60 bytes", ex.Message);
        Assert.Contains("found 59 bytes", ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Trailing_bytes_are_an_error(bool gzip)
    {
        byte[] raw = [.. TestData.IdxLabels(1, 2, 3), 0, 0];
        string path = _dir.Write(gzip ? "long-labels.gz" : "long-labels", gzip ? TestData.Gzip(raw) : raw);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("data length", ex.Message);
        Assert.Contains("expected 3 bytes", ex.Message);
        Assert.Contains("found 5 bytes", ex.Message);
        Assert.Contains("2 trailing bytes", ex.Message);
    }

    [Fact]
    public void Truncated_header_is_an_error()
    {
        string path = _dir.Write("short", TestData.IdxImages(1, 2, 2)[..10]);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("header: expected 16 bytes, found 10 bytes", ex.Message);
    }

    [Fact]
    public void Wrong_magic_names_expected_and_found()
    {
        string path = _dir.Write("bad-magic", TestData.IdxImagesHeader(1, 2, 2, 4, magic: 1234));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains("magic number", ex.Message);
        Assert.Contains("expected 2051", ex.Message);
        Assert.Contains("found 1234", ex.Message);
    }

    [Fact]
    public void Label_file_read_as_images_says_so()
    {
        string path = _dir.Write("labels.gz", TestData.Gzip(TestData.IdxLabels(1, 2, 3, 4, 5, 6, 7, 8, 9, 0)));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("magic number: expected 2051", ex.Message);
        Assert.Contains("found 2049 (an IDX label file)", ex.Message);
    }

    [Fact]
    public void HTML_saved_as_gz_is_reported_as_not_gzip()
    {
        string path = _dir.Write("t10k-labels-idx1-ubyte.gz", "<html><body>404</body></html>"u8.ToArray());

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("magic number", ex.Message);
        Assert.Contains("not gzip-compressed", ex.Message);
    }

    [Theory]
    [InlineData(0, 28, "rows", 0)]
    [InlineData(28, -1, "columns", -1)]
    [InlineData(70000, 28, "rows", 70000)]
    public void Bad_dimensions_name_the_field(int rows, int columns, string field, int found)
    {
        string path = _dir.Write("dims", TestData.IdxImagesHeader(1, rows, columns, 0));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, ex.Message);
        Assert.Contains($"{field}: expected 1..65535, found {found}", ex.Message);
    }

    [Fact]
    public void Negative_count_is_an_error()
    {
        string path = _dir.Write("neg", TestData.IdxLabelsHeader(-5, []));

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("label count: expected a non-negative number, found -5", ex.Message);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void Lying_header_fails_fast_without_allocating(bool gzip, bool images)
    {
        // count = 2^31-1 in a file that holds a few bytes: must not try to allocate the claimed size.
        byte[] raw = images
            ? TestData.IdxImagesHeader(int.MaxValue, 28, 28, 100)
            : TestData.IdxLabelsHeader(int.MaxValue, new byte[100]);
        string path = _dir.Write(gzip ? "lying.gz" : "lying", gzip ? TestData.Gzip(raw) : raw);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<DataFormatException>(() =>
        {
            if (images) IdxReader.ReadImages(path);
            else IdxReader.ReadLabels(path);
        });
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(path, ex.Message);
        Assert.Contains("data length", ex.Message);
        Assert.Contains("found 100 bytes", ex.Message);
        Assert.Contains("truncated", ex.Message);
        Assert.True(allocated < 8 << 20, $"allocated {allocated} bytes");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Corrupt_gzip_is_a_data_format_error()
    {
        byte[] gz = TestData.Gzip(TestData.IdxLabels(Enumerable.Range(0, 200).Select(i => (byte)i).ToArray()));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5a;   // keep the gzip header, wreck the deflate stream
        string path = _dir.Write("corrupt.gz", gz);

        var ex = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, ex.Message);
    }
}
