using SnnConvert.Data;
using SnnConvert.Errors;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>Finds (and with --download fetches) a dataset split for a command.</summary>
public static class DatasetAccess
{
    /// <summary>Loads split <paramref name="split"/> of dataset <paramref name="name"/>, the first <paramref name="limit"/> images when given.</summary>
    public static ImageDataset Load(string name, string split, string? dataDir, bool download, int? limit)
    {
        // The request first (usage errors), then the file system.
        if (limit is <= 0) throw new UsageException($"image limit must be at least 1, got {limit}");
        split = DatasetLoader.NormalizeSplit(split);
        DatasetInfo info = DatasetCatalog.Find(name);
        // A folder the user named and that is not there is a mistake to report, not a place to skip silently.
        if (dataDir is not null && !Directory.Exists(dataDir))
            throw new DatasetNotFoundException($"--data-dir {dataDir}: folder does not exist (dataset {name})");
        var locator = DatasetLocator.CreateDefault(dataDir);
        if (download && locator.TryLocate(info, split) is null) Fetch(info);
        DatasetLocation location = locator.Locate(info, split);
        Terminal.Log($"{info.Name}/{split}: {location.Path}");
        ImageDataset data = DatasetLoader.LoadFrom(info, location.Path, split);
        return limit is { } n && n < data.Count ? data.Take(n) : data;
    }

    /// <summary>Downloads <paramref name="info"/> into the cache with a progress bar; returns the folder.</summary>
    public static string Fetch(DatasetInfo info)
    {
        DatasetInfo catalogued = info;
        info = DatasetMirror.FromEnvironment(info);
        foreach (var (before, after) in catalogued.Files.Zip(info.Files))
            if (before.Sha256 != after.Sha256)
                Terminal.Log($"{after.FileName}: checked against {DatasetMirror.ChecksumsVariable} (sha256 {after.Sha256}), not the catalogue's {before.Sha256}");
        Terminal.Log($"{info.Name}: mirrors tried in order: {string.Join(", ", info.Mirrors)}");
        var downloader = new DatasetDownloader();
        string folder = "";
        Terminal.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressItem>();
            var progress = new SyncProgress<(string File, long Bytes, long? Total)>(p =>
            {
                if (!tasks.TryGetValue(p.File, out ProgressItem? task))
                    tasks[p.File] = task = ctx.AddTask(Markup.Escape(p.File), maxValue: p.Total ?? 1);
                if (p.Total is { } total) task.MaxValue = total;
                task.Value = p.Bytes;
            });
            folder = downloader.FetchAsync(info, progress).GetAwaiter().GetResult();
        });
        Terminal.Log($"{info.Name}: verified and stored in {folder}");
        return folder;
    }
}
