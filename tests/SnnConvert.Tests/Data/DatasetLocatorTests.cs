using SnnConvert.Data;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Data;

public sealed class DatasetLocatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed record Layout(string DataDir, string Env, string Cache, string System, string RepoStart, string Shared);

    // dir/explicit, dir/env, dir/cache, dir/system, and the CI layout dir/ci/clone/bin/Release + dir/ci/shared/datasets.
    private Layout MakeLayout() => new(
        _dir.Sub("explicit"), _dir.Sub("env"), _dir.Sub("cache"), _dir.Sub("system"),
        _dir.Sub("ci", "clone", "bin", "Release"), _dir.Sub("ci", "shared", "datasets"));

    private static DatasetLocator LocatorFor(Layout l, bool withDataDir = true) =>
        new(DatasetLocator.DefaultRoots(withDataDir ? l.DataDir : null, l.Env, l.Cache, l.System, [l.RepoStart]));

    [Fact]
    public void Default_roots_are_in_the_documented_order()
    {
        Layout l = MakeLayout();

        IReadOnlyList<DatasetSearchRoot> roots = DatasetLocator.DefaultRoots(l.DataDir, l.Env, l.Cache, l.System, [l.RepoStart]);

        // The walk up from RepoStart goes on above the test folder: a shared/datasets in an ancestor of the system's
        // temporary folder comes after ours (nearest first) and is outside what this test controls.
        Assert.Equal([l.DataDir, l.Env, l.Cache, l.System, l.Shared], roots.Take(5).Select(r => r.Path));
        Assert.Equal(["[data directory]", "SNNCONVERT_DATA", "download cache", "system datasets", "shared/datasets beside the checkout"],
            roots.Take(5).Select(r => r.Origin));
        Assert.All(roots.Skip(5), r => Assert.False(r.Path.StartsWith(_dir.Path, StringComparison.Ordinal), r.Path));
        Assert.True(roots[0].MayBeDatasetFolder);
        Assert.False(roots[2].MayBeDatasetFolder);
    }

    [Fact]
    public void Default_roots_skip_missing_inputs_and_split_the_environment_list()
    {
        string env = string.Join(Path.PathSeparator, "/a", "", " /b ");

        IReadOnlyList<DatasetSearchRoot> roots = DatasetLocator.DefaultRoots(null, env, null, null, []);

        Assert.Equal(["/a", "/b"], roots.Select(r => r.Path));
    }

    [Fact]
    public void Earlier_root_wins()
    {
        Layout l = MakeLayout();
        DatasetInfo info = TestData.TinyIdxInfo();
        foreach (string root in new[] { l.Shared, l.System, l.Cache, l.Env, l.DataDir })
        {
            TestData.WriteIdxDataset(Path.Combine(root, "tiny"));
            DatasetLocation found = LocatorFor(l).Locate(info, "test");
            Assert.Equal(Path.Combine(root, "tiny"), found.Path);
            Assert.Equal(root, found.Root.Path);
        }
    }

    [Fact]
    public void Shared_datasets_are_found_beside_the_checkout()
    {
        Layout l = MakeLayout();
        TestData.WriteIdxDataset(Path.Combine(l.Shared, "tiny"));

        DatasetLocation found = LocatorFor(l).Locate(TestData.TinyIdxInfo(), "train");

        Assert.Equal("shared/datasets beside the checkout", found.Root.Origin);
    }

    [Fact]
    public void Shared_datasets_inside_the_checkout_are_found_first()
    {
        string inner = _dir.Sub("repo", "shared", "datasets");
        string outer = _dir.Sub("shared", "datasets");
        string start = _dir.Sub("repo", "tests", "bin");

        // Nearest first; any shared/datasets above the temporary folder follows ours and is not this test's concern.
        Assert.Equal([inner, outer], DatasetLocator.FindSharedDatasets([start, start]).Take(2));
        Assert.DoesNotContain(DatasetLocator.FindSharedDatasets([start, start]).Skip(2), p => p.StartsWith(_dir.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Data_dir_may_be_the_dataset_folder_itself()
    {
        Layout l = MakeLayout();
        TestData.WriteIdxDataset(l.DataDir);

        DatasetLocation found = LocatorFor(l).Locate(TestData.TinyIdxInfo(), "train");

        Assert.Equal(l.DataDir, found.Path);
    }

    [Fact]
    public void Shared_root_holding_files_directly_does_not_count()
    {
        // Files directly in a shared root would match every MNIST-style dataset alike.
        Layout l = MakeLayout();
        TestData.WriteIdxDataset(l.Cache);

        Assert.Null(LocatorFor(l).TryLocate(TestData.TinyIdxInfo(), "train"));
    }

    [Fact]
    public void Split_files_are_checked_separately()
    {
        Layout l = MakeLayout();
        string folder = Path.Combine(l.Cache, "tiny");
        TestData.WriteIdxDataset(folder);
        File.Delete(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
        DatasetLocator locator = LocatorFor(l);

        Assert.NotNull(locator.TryLocate(TestData.TinyIdxInfo(), "test"));
        var searched = new List<string>();
        Assert.Null(locator.TryLocate(TestData.TinyIdxInfo(), "train", searched));
        Assert.Contains(searched, line => line.StartsWith(folder) && line.EndsWith("missing train-images-idx3-ubyte[.gz]"));
    }

    [Fact]
    public void Not_found_lists_every_place_and_suggests_fetch()
    {
        Layout l = MakeLayout();

        var ex = Assert.Throws<DatasetNotFoundException>(() => LocatorFor(l).Locate(DatasetCatalog.FashionMnist, "test"));

        foreach (string root in new[] { l.DataDir, l.Env, l.Cache, l.System, l.Shared })
        {
            Assert.Contains(Path.Combine(root, "fashion-mnist"), ex.Message);
            Assert.Contains(Path.Combine(root, "fmnist"), ex.Message);
        }
        Assert.Contains("snnconvert data fetch fmnist", ex.Message);
        Assert.Contains("SNNCONVERT_DATA", ex.Message);
    }

    [Fact]
    public void Fashion_MNIST_is_found_under_either_folder_name()
    {
        Layout l = MakeLayout();
        TestData.WriteIdxDataset(Path.Combine(l.System, "fmnist"), size: 28, testCount: 1);
        TestData.WriteIdxDataset(Path.Combine(l.Shared, "fashion-mnist"), size: 28, testCount: 1);

        Assert.Equal(Path.Combine(l.System, "fmnist"), LocatorFor(l).Locate(DatasetCatalog.FashionMnist, "test").Path);
        ImageDataset test = DatasetLoader.Load(DatasetCatalog.Find("fashion-mnist"), "test", LocatorFor(l));
        Assert.Equal("fmnist/test", test.Name);
        Assert.Equal("Trouser", test.ClassNames[1]);
    }

    [Fact]
    public void Cifar_extracted_folder_is_preferred_over_the_archive_which_is_found_alone()
    {
        Layout l = MakeLayout();
        string archive = Path.Combine(l.Cache, "cifar10", "cifar-10-binary.tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        File.WriteAllBytes(archive, TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", TestData.CifarBatch(0, 4))));

        Assert.Equal(archive, LocatorFor(l).Locate(DatasetCatalog.Cifar10, "test").Path);
        Assert.Equal(4, DatasetLoader.Load(DatasetCatalog.Cifar10, "test", LocatorFor(l)).Label(0));

        string folder = Path.Combine(l.Cache, "cifar10", "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), TestData.CifarBatch(0, 6));
        Assert.Equal(folder, LocatorFor(l).Locate(DatasetCatalog.Cifar10, "test").Path);
        Assert.Equal(6, DatasetLoader.Load(DatasetCatalog.Cifar10, "test", LocatorFor(l)).Label(0));
    }

    [Fact]
    public void Duplicate_roots_are_searched_once()
    {
        string root = _dir.Sub("same");
        var locator = new DatasetLocator([new DatasetSearchRoot(root, "cache"), new DatasetSearchRoot(root + Path.DirectorySeparatorChar, "--data-dir", true)]);

        DatasetSearchRoot only = Assert.Single(locator.Roots);
        Assert.True(only.MayBeDatasetFolder);
    }
}
