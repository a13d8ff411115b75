using System.Collections.Concurrent;
using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalHttpServer _server = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _dir.Dispose();
    }

    // Incompressible content, so the .gz is large enough to split into a partial download.
    private static byte[] Content(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private DatasetInfo Info(params DatasetFile[] files) => TestData.TinyIdxInfo() with
    {
        Name = "tiny", CacheFolder = "tiny", Files = files, Mirrors = [_server.BaseUrl],
    };

    private string Folder => Path.Combine(_dir.Path, "tiny");

    /// <summary>Serves gzip(content) as <paramref name="name"/>; returns the file entry with the content hash.</summary>
    private (DatasetFile File, byte[] Gz) Serve(string name, byte[] content)
    {
        byte[] gz = TestData.Gzip(content);
        _server.Files[name] = gz;
        return (new DatasetFile(name, TestData.Sha256(content)), gz);
    }

    private sealed class RecordingProgress : IProgress<(string File, long Bytes, long? Total)>
    {
        public ConcurrentQueue<(string File, long Bytes, long? Total)> Reports { get; } = new();
        public void Report((string File, long Bytes, long? Total) value) => Reports.Enqueue(value);
    }

    [Fact]
    public async Task Interrupted_download_keeps_the_part_and_the_next_run_resumes_it()
    {
        (DatasetFile file, byte[] gz) = Serve("big.gz", Content(300_000, 11));
        _server.BreakAfter = 100_000;
        var downloader = new DatasetDownloader(_http, _dir.Path);

        var ex = await Assert.ThrowsAsync<DownloadException>(() => downloader.FetchAsync(Info(file)));
        Assert.Contains("big.gz", ex.Message);
        string part = Path.Combine(Folder, "big.gz.part");
        long kept = new FileInfo(part).Length;
        Assert.InRange(kept, 1, 100_000);
        Assert.False(File.Exists(Path.Combine(Folder, "big.gz")));

        _server.BreakAfter = null;
        await downloader.FetchAsync(Info(file));

        Assert.Equal(gz, File.ReadAllBytes(Path.Combine(Folder, "big.gz")));
        Assert.Equal($"bytes={kept}-", _server.Requests.Last().Range);
    }

    [Fact]
    public async Task Stalled_transfer_fails_after_the_stall_timeout()
    {
        (DatasetFile file, _) = Serve("big.gz", Content(300_000, 12));
        _server.BreakAfter = 1000;
        _server.Stall = true;
        var downloader = new DatasetDownloader(_http, _dir.Path) { StallTimeout = TimeSpan.FromMilliseconds(300) };

        var ex = await Assert.ThrowsAsync<DownloadException>(() => downloader.FetchAsync(Info(file)));

        Assert.Contains("no data received", ex.Message);
        Assert.False(File.Exists(Path.Combine(Folder, "big.gz")));
    }

    [Fact]
    public async Task Clean_download_is_verified_and_lands()
    {
        (DatasetFile a, byte[] gzA) = Serve("a.gz", Content(5000, 1));
        (DatasetFile b, byte[] gzB) = Serve("b.gz", Content(300, 2));
        var progress = new RecordingProgress();

        string folder = await new DatasetDownloader(_http, _dir.Path).FetchAsync(Info(a, b), progress);

        Assert.Equal(Folder, folder);
        Assert.Equal(gzA, File.ReadAllBytes(Path.Combine(folder, "a.gz")));
        Assert.Equal(gzB, File.ReadAllBytes(Path.Combine(folder, "b.gz")));
        Assert.Empty(Directory.GetFiles(folder, "*.part"));
        Assert.Contains(progress.Reports, r => r.File == "a.gz" && r.Bytes == gzA.Length && r.Total == gzA.Length);
        Assert.All(_server.Requests, r => Assert.Null(r.Range));
    }

    [Fact]
    public async Task Partial_file_is_resumed_with_a_range_request()
    {
        (DatasetFile file, byte[] gz) = Serve("big.gz", Content(200_000, 3));
        int have = gz.Length / 3;
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path.Combine(Folder, "big.gz.part"), gz[..have]);
        var progress = new RecordingProgress();

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder, progress);

        Assert.Equal(gz, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".part"));
        (string _, string? range, int status) = Assert.Single(_server.Requests);
        Assert.Equal($"bytes={have}-", range);
        Assert.Equal(206, status);
        Assert.Equal((file.FileName, (long)have, (long?)gz.Length), progress.Reports.First());
    }

    [Fact]
    public async Task Server_ignoring_range_still_gives_a_correct_file()
    {
        (DatasetFile file, byte[] gz) = Serve("big.gz", Content(100_000, 4));
        Directory.CreateDirectory(Folder);
        // A stale .part that is not even a prefix of the file: it must be replaced, not appended to.
        File.WriteAllBytes(Path.Combine(Folder, "big.gz.part"), Content(1234, 99));
        _server.IgnoreRange = true;

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder);

        Assert.Equal(gz, File.ReadAllBytes(path));
        (string _, string? range, int status) = Assert.Single(_server.Requests);
        Assert.Equal("bytes=1234-", range);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Resumed_part_that_does_not_verify_is_retried_from_zero()
    {
        (DatasetFile file, byte[] gz) = Serve("big.gz", Content(100_000, 5));
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path.Combine(Folder, "big.gz.part"), Content(1000, 98));   // wrong prefix, honoured Range

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder);

        Assert.Equal(gz, File.ReadAllBytes(path));
        Assert.Equal([("bytes=1000-", 206), (null, 200)], _server.Requests.Select(r => (r.Range, r.Status)));
    }

    [Fact]
    public async Task Complete_part_file_gets_416_and_is_verified()
    {
        (DatasetFile file, byte[] gz) = Serve("a.gz", Content(3000, 6));
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path.Combine(Folder, "a.gz.part"), gz);

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder);

        Assert.Equal(gz, File.ReadAllBytes(path));
        Assert.Equal(416, Assert.Single(_server.Requests).Status);
    }

    [Fact]
    public async Task Corrupted_file_is_rejected_and_leaves_nothing()
    {
        (DatasetFile good, _) = Serve("a.gz", Content(4000, 7));
        byte[] tampered = Content(4000, 7);
        tampered[1000] ^= 1;
        _server.Files["a.gz"] = TestData.Gzip(tampered);
        var downloader = new DatasetDownloader(_http, _dir.Path);

        var ex = await Assert.ThrowsAsync<DownloadException>(() => downloader.FetchAsync(Info(good)));

        Assert.Contains("a.gz", ex.Message);
        Assert.Contains(good.Sha256, ex.Message);
        Assert.Contains(TestData.Sha256(tampered), ex.Message);
        Assert.Equal(6, ex.ExitCode);
        Assert.False(File.Exists(Path.Combine(Folder, "a.gz")));
        Assert.False(File.Exists(Path.Combine(Folder, "a.gz.part")));
    }

    [Fact]
    public async Task Checksum_covers_decompressed_content_not_the_gzip_wrapper()
    {
        byte[] content = Content(2000, 8);
        byte[] gz = TestData.Gzip(content);
        gz[4] = 0x12;   // change the gzip header's mtime: other .gz bytes, same content
        _server.Files["a.gz"] = gz;
        var file = new DatasetFile("a.gz", TestData.Sha256(content));

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder);

        Assert.Equal(gz, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task File_bytes_scope_hashes_the_file_as_downloaded()
    {
        byte[] archive = TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", TestData.CifarBatch(0, 1)));
        _server.Files["cifar-10-binary.tar.gz"] = archive;
        var file = new DatasetFile("cifar-10-binary.tar.gz", TestData.Sha256(archive), ChecksumScope.FileBytes);

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(Info(file), file, Folder);

        Assert.Equal(1, Cifar10Reader.ReadArchive(path, "test").Label(0));
    }

    [Fact]
    public async Task Mirrors_are_tried_in_order()
    {
        (DatasetFile file, byte[] gz) = Serve("a.gz", Content(1000, 9));
        DatasetInfo info = Info(file) with { Mirrors = [_server.BaseUrl + "gone/", _server.BaseUrl] };

        string path = await new DatasetDownloader(_http, _dir.Path).FetchFileAsync(info, file, Folder);

        Assert.Equal(gz, File.ReadAllBytes(path));
        Assert.Equal([("gone/a.gz", 404), ("a.gz", 200)], _server.Requests.Select(r => (r.Path, r.Status)));
    }

    [Fact]
    public async Task All_mirrors_failing_lists_each_one()
    {
        var file = new DatasetFile("missing.gz", new string('0', 64));
        DatasetInfo info = Info(file) with { Mirrors = [_server.BaseUrl + "one/", _server.BaseUrl + "two/"] };

        var ex = await Assert.ThrowsAsync<DownloadException>(() => new DatasetDownloader(_http, _dir.Path).FetchAsync(info));

        Assert.Contains("missing.gz", ex.Message);
        Assert.Contains(_server.BaseUrl + "one/missing.gz: HTTP 404", ex.Message);
        Assert.Contains(_server.BaseUrl + "two/missing.gz: HTTP 404", ex.Message);
    }

    [Fact]
    public async Task Verified_file_already_present_is_not_downloaded_again()
    {
        (DatasetFile file, byte[] gz) = Serve("a.gz", Content(1000, 10));
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path.Combine(Folder, "a.gz"), gz);

        await new DatasetDownloader(_http, _dir.Path).FetchAsync(Info(file));

        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Fetched_dataset_is_found_and_loaded_by_the_locator()
    {
        string source = _dir.Sub("source");
        TestData.WriteIdxDataset(source, size: 4);
        var files = new List<DatasetFile>();
        foreach (string path in Directory.GetFiles(source))
        {
            byte[] gz = File.ReadAllBytes(path);
            _server.Files[Path.GetFileName(path)] = gz;
            files.Add(new DatasetFile(Path.GetFileName(path), DatasetDownloader.ComputeSha256(path, ChecksumScope.DecompressedContent)));
        }
        DatasetInfo info = Info([.. files]);
        string cache = _dir.Sub("cache");

        await new DatasetDownloader(_http, cache).FetchAsync(info);
        ImageDataset test = DatasetLoader.Load(info, "test", new DatasetLocator(DatasetLocator.DefaultRoots(null, null, cache, null, [])));

        Assert.Equal(2, test.Count);
        Assert.Equal([1, 4, 4], test.SampleShape);
    }
}
