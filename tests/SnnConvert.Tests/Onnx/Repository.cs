namespace SnnConvert.Tests.Onnx;

/// <summary>Files of the checkout: the root is the folder above the test binaries that holds SnnConvert.slnx.</summary>
internal static class Repository
{
    public static string File(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "SnnConvert.slnx"))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException("repository root (SnnConvert.slnx) not found above " + AppContext.BaseDirectory);
    }
}
