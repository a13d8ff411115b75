namespace SnnConvert.Tests;

/// <summary>Files of the repository the tests run from (found by walking up to SnnConvert.slnx).</summary>
internal static class RepositoryFiles
{
    /// <summary>The absolute path of <paramref name="relative"/> in the repository; throws when the repository root is not found.</summary>
    public static string Path(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "SnnConvert.slnx"))) return System.IO.Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException("repository root (SnnConvert.slnx) not found above " + AppContext.BaseDirectory);
    }
}
