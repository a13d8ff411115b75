using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// Finds a dataset on disk by trying search roots in order. The default order is: the explicit
/// <c>--data-dir</c>, the <c>SNNCONVERT_DATA</c> environment variable, the download cache
/// <c>~/.cache/snnconvert/datasets</c>, <c>/usr/share/datasets</c> (Debian's dataset-* packages), and
/// finally a <c>shared/datasets</c> folder in or above the program's or the current directory (the
/// CI layout keeps datasets beside the clone: <c>dir/clone</c> and <c>dir/shared/datasets</c>).
/// </summary>
/// <remarks>The roots are passed in, so tests and tools decide exactly where to look.</remarks>
public sealed class DatasetLocator
{
    /// <summary>Environment variable naming extra dataset roots (separated by the platform's path separator).</summary>
    public const string EnvironmentVariable = "SNNCONVERT_DATA";

    /// <summary>Where Debian's dataset packages install, e.g. /usr/share/datasets/fashion-mnist.</summary>
    public const string SystemRoot = "/usr/share/datasets";

    /// <summary>Creates a locator over <paramref name="roots"/>, searched in order (duplicates are dropped).</summary>
    /// <param name="roots">The search roots.</param>
    public DatasetLocator(IEnumerable<DatasetSearchRoot> roots)
    {
        var index = new Dictionary<string, int>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        var list = new List<DatasetSearchRoot>();
        foreach (DatasetSearchRoot root in roots)
        {
            string key = Normalize(root.Path);
            if (!index.TryGetValue(key, out int i)) { index[key] = list.Count; list.Add(root); }
            // The same folder named twice is searched once, at its first position, with the wider acceptance.
            else if (root.MayBeDatasetFolder && !list[i].MayBeDatasetFolder) list[i] = list[i] with { MayBeDatasetFolder = true };
        }
        Roots = list;
    }

    /// <summary>The search roots in the order they are tried.</summary>
    public IReadOnlyList<DatasetSearchRoot> Roots { get; }

    /// <summary>A locator with the default roots of this machine (see the class remarks).</summary>
    /// <param name="dataDir">The <c>--data-dir</c> option, or null.</param>
    public static DatasetLocator CreateDefault(string? dataDir) =>
        new(DefaultRoots(dataDir, Environment.GetEnvironmentVariable(EnvironmentVariable), DefaultCacheRoot(), SystemRoot,
            [AppContext.BaseDirectory, Directory.GetCurrentDirectory()]));

    /// <summary>The default search order built from explicit inputs, so it can be tested without this machine's state.</summary>
    /// <param name="dataDir">The <c>--data-dir</c> option, or null.</param>
    /// <param name="environmentValue">The value of <see cref="EnvironmentVariable"/>, or null.</param>
    /// <param name="cacheRoot">The download cache root, or null to skip it.</param>
    /// <param name="systemRoot">The system dataset root, or null to skip it.</param>
    /// <param name="repositoryStarts">Directories to walk up from, looking for <c>shared/datasets</c>.</param>
    public static IReadOnlyList<DatasetSearchRoot> DefaultRoots(string? dataDir, string? environmentValue, string? cacheRoot,
        string? systemRoot, IEnumerable<string> repositoryStarts)
    {
        var roots = new List<DatasetSearchRoot>();
        if (!string.IsNullOrWhiteSpace(dataDir)) roots.Add(new DatasetSearchRoot(dataDir, SettingReference.To(SettingNames.DataDirectory), MayBeDatasetFolder: true));
        if (!string.IsNullOrWhiteSpace(environmentValue))
            foreach (string path in environmentValue.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                roots.Add(new DatasetSearchRoot(path, EnvironmentVariable, MayBeDatasetFolder: true));
        if (!string.IsNullOrWhiteSpace(cacheRoot)) roots.Add(new DatasetSearchRoot(cacheRoot, "download cache"));
        if (!string.IsNullOrWhiteSpace(systemRoot)) roots.Add(new DatasetSearchRoot(systemRoot, "system datasets"));
        foreach (string shared in FindSharedDatasets(repositoryStarts))
            roots.Add(new DatasetSearchRoot(shared, "shared/datasets beside the checkout"));
        return roots;
    }

    /// <summary>The download cache root: <c>~/.cache/snnconvert/datasets</c>.</summary>
    public static string DefaultCacheRoot() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "snnconvert", "datasets");

    /// <summary>
    /// Every <c>shared/datasets</c> folder found in <paramref name="starts"/> or any of their ancestors,
    /// nearest first. Walking all ancestors covers both a checkout that holds <c>shared/</c> and the CI
    /// layout where <c>shared/</c> sits beside the checkout, at any depth of the build output folder.
    /// </summary>
    /// <param name="starts">Directories to start from (e.g. the program folder and the current directory).</param>
    public static IEnumerable<string> FindSharedDatasets(IEnumerable<string> starts)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string start in starts)
        {
            if (string.IsNullOrWhiteSpace(start)) continue;
            for (DirectoryInfo? dir = new(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "datasets");
                if (Directory.Exists(candidate) && seen.Add(candidate)) yield return candidate;
            }
        }
    }

    /// <summary>Finds <paramref name="info"/> with the files of <paramref name="split"/>.</summary>
    /// <param name="info">The dataset.</param>
    /// <param name="split">"train" or "test".</param>
    /// <exception cref="DatasetNotFoundException">Not found; the message lists every place searched.</exception>
    public DatasetLocation Locate(DatasetInfo info, string split)
    {
        var searched = new List<string>();
        return TryLocate(info, split, searched) ?? throw new DatasetNotFoundException(
            $"dataset '{info.Name}' ({info.DisplayName}, {DatasetLoader.NormalizeSplit(split)} split): not found. Searched:" + Environment.NewLine +
            string.Join(Environment.NewLine, searched.Select(line => "  " + line)) + Environment.NewLine +
            $"Run `snnconvert data fetch {info.Name}` to download it into {DefaultCacheRoot()}, " +
            $"or point {SettingReference.To(SettingNames.DataDirectory)} or {EnvironmentVariable} at a folder that holds it.");
    }

    /// <summary>Finds <paramref name="info"/>, or returns null.</summary>
    /// <param name="info">The dataset.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="searched">When given, receives one line per place looked at and why it did not qualify.</param>
    public DatasetLocation? TryLocate(DatasetInfo info, string split, List<string>? searched = null)
    {
        split = DatasetLoader.NormalizeSplit(split);
        if (Roots.Count == 0) searched?.Add("(no search roots)");
        foreach (DatasetSearchRoot root in Roots)
        {
            IEnumerable<string> candidates = info.SearchPaths.Select(relative => Path.Combine(root.Path, relative));
            if (root.MayBeDatasetFolder) candidates = candidates.Append(root.Path);
            foreach (string candidate in candidates)
            {
                string? problem = Problem(info, candidate, split);
                if (problem is null) return new DatasetLocation(info, candidate, root);
                searched?.Add($"{candidate} ({root.Origin}): {problem}");
            }
        }
        return null;
    }

    // Why a candidate path does not hold the split, or null when it does. Only names are checked here;
    // the readers validate the content.
    private static string? Problem(DatasetInfo info, string path, string split)
    {
        if (info.Format == DatasetFormat.Cifar10Binary && File.Exists(path))
            return GzipLooking(path) ? null : "a file, but not a .tar.gz archive";
        if (!Directory.Exists(path)) return "does not exist";
        IEnumerable<string> missing = info.Format switch
        {
            DatasetFormat.Idx => new[] { MnistFamilyLoader.ImagesFileName(split), MnistFamilyLoader.LabelsFileName(split) }
                .Where(name => MnistFamilyLoader.FindFile(path, name) is null).Select(name => name + "[.gz]"),
            DatasetFormat.Cifar10Binary => Cifar10Reader.BatchFileNames(split).Where(name => !File.Exists(Path.Combine(path, name))),
            _ => throw new ArgumentOutOfRangeException(nameof(info), info.Format, "unknown dataset format"),
        };
        string list = string.Join(", ", missing);
        return list.Length == 0 ? null : $"missing {list}";
    }

    private static bool GzipLooking(string path) =>
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
}
