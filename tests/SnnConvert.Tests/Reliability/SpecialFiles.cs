using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>Files that are not regular files, for the tests that the atomic writer refuses to replace them.</summary>
internal static class SpecialFiles
{
    /// <summary>
    /// A character device in or for <paramref name="dir"/>. As root, a fresh node in the test folder (a twin of
    /// /dev/full, made with mknod), so that even a regression of the refusal could never replace the machine's own
    /// device; otherwise /dev/full itself, whose folder a user other than root cannot write. Null where neither works
    /// (root without the right to make device nodes, or no /dev/full).
    /// </summary>
    public static string? DeviceNode(TempDirectory dir)
    {
        string path = dir.File("full");
        if (File.Exists(path)) return path;
        bool root = ChildProcess.Run("id", 10, "-u").Out.Trim() == "0";
        if (root) return ChildProcess.Run("mknod", 10, path, "c", "1", "7").Code == 0 ? path : null;
        return File.Exists("/dev/full") ? "/dev/full" : null;
    }

    /// <summary>A FIFO (named pipe) at <paramref name="path"/>, made with mkfifo unless it is already there.</summary>
    public static string Fifo(string path)
    {
        if (!File.Exists(path))
        {
            var (code, _, err) = ChildProcess.Run("mkfifo", 10, path);
            Assert.True(code == 0, $"mkfifo {path}: {err}");
        }
        return path;
    }
}
