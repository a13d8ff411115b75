using SnnConvert.Errors;

namespace SnnConvert.Models;

/// <summary>
/// The trained zoo models shipped in the repository's <c>models/</c> folder. They are found by walking up from the
/// current directory and from the program's folder, so both a checkout (run from anywhere inside it) and a build
/// output inside the checkout find them without configuration.
/// </summary>
public static class BundledModels
{
    /// <summary>The path of the bundled model of <paramref name="zoo"/> relative to the repository root, e.g. "models/mnist-seed.snnm".</summary>
    public static string RelativePath(ZooModel zoo) => $"models/{zoo.Name}.snnm";

    /// <summary>The path of the QCFS version of <paramref name="zoo"/> relative to the repository root, e.g. "models/mnist-seed-qcfs.snnm".</summary>
    public static string QcfsRelativePath(ZooModel zoo) => $"models/{zoo.Name}-qcfs.snnm";

    /// <summary>
    /// The QCFS version of <paramref name="zoo"/> (<see cref="QcfsRelativePath"/>) in the folder of its bundled model
    /// <paramref name="bundledModel"/>, or null when that folder has none.
    /// </summary>
    public static string? TryFindQcfs(ZooModel zoo, string bundledModel)
    {
        string candidate = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(bundledModel))!, Path.GetFileName(QcfsRelativePath(zoo)));
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>The folders searched by default: the current directory and the program's folder.</summary>
    public static IReadOnlyList<string> DefaultRoots => [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];

    /// <summary>The bundled model of <paramref name="zoo"/> under the first of <paramref name="roots"/> (or their parents) that holds it, or null.</summary>
    public static string? TryFind(ZooModel zoo, IEnumerable<string>? roots = null)
    {
        foreach (string root in roots ?? DefaultRoots)
            for (var dir = new DirectoryInfo(Path.GetFullPath(root)); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "models", zoo.Name + ".snnm");
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Like <see cref="TryFind"/>, but a missing model is an error that says how to go on.</summary>
    /// <exception cref="InvalidSettingException">The model is not bundled in this checkout.</exception>
    public static string Find(ZooModel zoo, IEnumerable<string>? roots = null)
    {
        IReadOnlyList<string> searched = (roots ?? DefaultRoots).ToArray();
        return TryFind(zoo, searched) ?? throw new InvalidSettingException(SettingNames.Model, NotFound(zoo, searched) +
            $"; name a model file, or train {zoo.Name} with its recipe first");
    }

    /// <summary>Says that the bundled model of <paramref name="zoo"/> is in none of <paramref name="searched"/> (or their parents).</summary>
    public static string NotFound(ZooModel zoo, IEnumerable<string> searched) =>
        $"bundled model {RelativePath(zoo)} ({zoo.Dataset}) not found in or above {string.Join(" or ", searched.Distinct())}";

    /// <summary>The zoo model made for <paramref name="dataset"/>.</summary>
    /// <exception cref="InvalidSettingException">No zoo model is made for that dataset.</exception>
    public static ZooModel ForDataset(string dataset) =>
        ModelZoo.All.FirstOrDefault(m => string.Equals(m.Dataset, dataset, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidSettingException(SettingNames.Dataset, $"no bundled model for \"{dataset}\", expected one of {string.Join(", ", ModelZoo.All.Select(m => m.Dataset))}");
}
