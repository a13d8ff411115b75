using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class DatasetMirrorTests : IDisposable
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

    private static DatasetInfo Tiny(params DatasetFile[] files) => TestData.TinyIdxInfo() with
    {
        Name = "tiny", CacheFolder = "tiny", Files = files, Mirrors = ["https://example.invalid/tiny/"],
    };

    [Fact]
    public void No_mirror_leaves_the_dataset_as_catalogued()
    {
        Assert.Same(DatasetCatalog.Mnist, DatasetMirror.Apply(DatasetCatalog.Mnist, null, null));
        Assert.Same(DatasetCatalog.Mnist, DatasetMirror.Apply(DatasetCatalog.Mnist, " ", ""));
    }

    [Fact]
    public void Mirror_is_tried_first_laid_out_like_the_cache()
    {
        DatasetInfo cifar = DatasetMirror.Apply(DatasetCatalog.Cifar10, "http://127.0.0.1:8000/data", null);

        Assert.Equal(["http://127.0.0.1:8000/data/cifar10/", .. DatasetCatalog.Cifar10.Mirrors], cifar.Mirrors);
        Assert.Equal(DatasetCatalog.Cifar10.Files, cifar.Files);   // without a checksum list the catalogue's hashes hold
    }

    [Fact]
    public async Task Mirror_serving_the_originals_is_used_and_verified_against_the_catalogue()
    {
        byte[] content = [1, 2, 3, 4, 5];
        _server.Files["tiny/a.gz"] = TestData.Gzip(content);
        DatasetInfo info = DatasetMirror.Apply(Tiny(new DatasetFile("a.gz", TestData.Sha256(content))), _server.BaseUrl, null);

        string folder = await new DatasetDownloader(_http, _dir.Sub("cache")).FetchAsync(info);

        Assert.Equal(TestData.Sha256(content), DatasetDownloader.ComputeSha256(Path.Combine(folder, "a.gz"), ChecksumScope.DecompressedContent));
        Assert.Equal("tiny/a.gz", Assert.Single(_server.Requests).Path);
    }

    [Fact]
    public async Task Rebuilt_file_fails_the_catalogue_hash_but_passes_with_the_mirrors_checksum_list()
    {
        byte[] rebuilt = [9, 9, 9];
        _server.Files["tiny/a.tar.gz"] = rebuilt;
        DatasetInfo catalogued = Tiny(new DatasetFile("a.tar.gz", TestData.Sha256([1, 2, 3]), ChecksumScope.FileBytes));
        var downloader = new DatasetDownloader(_http, _dir.Sub("cache"));

        var ex = await Assert.ThrowsAsync<DownloadException>(() => downloader.FetchAsync(DatasetMirror.Apply(catalogued, _server.BaseUrl, null)));
        Assert.Contains("checksum mismatch", ex.Message);

        string sums = _dir.File("SHA256SUMS");
        File.WriteAllText(sums, $"# the mirror's own archive\n{TestData.Sha256(rebuilt).ToUpperInvariant()}  ./tiny/a.tar.gz\n");
        DatasetInfo mirrored = DatasetMirror.Apply(catalogued, _server.BaseUrl, sums);
        string folder = await downloader.FetchAsync(mirrored);

        Assert.Equal(rebuilt, File.ReadAllBytes(Path.Combine(folder, "a.tar.gz")));
        // The built-in mirrors serve the original bytes, which the overriding hash would reject: only the named mirror is asked.
        Assert.Equal([_server.BaseUrl + "tiny/"], mirrored.Mirrors);
        Assert.Equal(TestData.Sha256(rebuilt), mirrored.Files[0].Sha256);
    }

    [Fact]
    public void Checksum_list_without_a_mirror_is_a_usage_error()
    {
        var ex = Assert.Throws<InvalidSettingException>(() => DatasetMirror.Apply(DatasetCatalog.Mnist, null, "/some/SHA256SUMS"));
        Assert.Contains(DatasetMirror.MirrorVariable, ex.Message);
    }

    [Theory]
    [InlineData("ftp://example.org/")]
    [InlineData("not a url")]
    public void Mirror_that_is_not_an_HTTP_URL_is_a_usage_error(string mirror)
    {
        var ex = Assert.Throws<InvalidSettingException>(() => DatasetMirror.Apply(DatasetCatalog.Mnist, mirror, null));
        Assert.Contains(mirror, ex.Message);
    }

    [Fact]
    public void Malformed_checksum_line_names_the_file_and_line()
    {
        string sums = _dir.File("SHA256SUMS");
        File.WriteAllText(sums, "\nabc123  mnist/x.gz\n");

        var ex = Assert.Throws<InvalidSettingException>(() => DatasetMirror.Apply(DatasetCatalog.Mnist, "http://127.0.0.1:1/", sums));

        Assert.Contains(sums, ex.Message);
        Assert.Contains("line 2", ex.Message);
        Assert.Contains("64 hex digits", ex.Message);
    }
}
