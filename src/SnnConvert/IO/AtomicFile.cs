using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SnnConvert.IO;

/// <summary>
/// Crash-safe file writes: the content goes to a temporary file in the same folder, is flushed to disk,
/// then renamed over the target, and the folder is flushed so the rename itself survives a power cut. A reader
/// sees either the old complete file or the new complete file, never a part of one.
/// </summary>
/// <remarks>
/// A process killed while writing leaves its temporary file (<c>.NAME.PID.GUID.tmp</c>) behind, never a damaged
/// target. The next write of the same target removes such leftovers of processes that no longer run.
/// Only a regular file (or nothing) is replaced: a directory, device, FIFO or socket at the target is refused with an
/// <see cref="IOException"/> naming it, since renaming over it would silently swap it for a file. A symbolic link is
/// written through: its final target is replaced atomically (the temporary file goes beside that target) and the link
/// stays. A failed write (disk full, say) leaves the old file as it was and removes the temporary one.
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <exception cref="IOException">The target is not a regular file, or the file system failed (e.g. no space left).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = FinalTarget(Path.GetFullPath(path));
        RefuseNonRegularFile(full);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(full);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            // ReadWrite: some writers (PureHDF's HDF5 writer) read back what they wrote, and need a readable, seekable stream.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            FlushFolder(dir);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes all of <paramref name="text"/> (UTF-8) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    // A symbolic link (or a chain of them) stands for the file it finally names, which may not exist yet;
    // a relative link target is resolved against the link's folder.
    private static string FinalTarget(string full)
    {
        if (new FileInfo(full).LinkTarget is null) return full;
        FileSystemInfo? final = File.ResolveLinkTarget(full, returnFinalTarget: true);
        return final is null ? full : Path.GetFullPath(final.FullName);
    }

    // rename(2) replaces any non-directory entry, so a device, FIFO or socket would be swapped for a regular file
    // without a word (as root, `export --onnx /dev/full` once replaced the device node); refuse them by name.
    private static void RefuseNonRegularFile(string full)
    {
        if (Directory.Exists(full))
            throw new IOException($"{full}: is a directory, expected a regular file to write (or a path that does not exist yet)");
        string? kind = SpecialFileKind(full);
        if (kind is not null)
            throw new IOException($"{full}: is a {kind}, not a regular file; refusing to replace it (write to a regular file instead)");
    }

    /// <summary>"character device", "block device", "FIFO" or "socket" when <paramref name="path"/> is one; null for a regular
    /// file, a directory, a missing path, or where the type cannot be read (not Linux).</summary>
    public static string? SpecialFileKind(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        // statx has one layout on every Linux architecture (unlike struct stat); stx_mode is the u16 at offset 28.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0) return null;
        int type = BitConverter.ToUInt16(buffer[28..30]) & 0xF000;
        return type switch
        {
            0x2000 => "character device",
            0x6000 => "block device",
            0x1000 => "FIFO",
            0xC000 => "socket",
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="fileName"/> is the temporary file of an atomic write (of any target).</summary>
    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    /// <summary>
    /// Deletes the temporary files that writes of <paramref name="fullPath"/> by processes that no longer run left
    /// behind (killed between creating and renaming them). Files of running processes are left alone.
    /// </summary>
    public static void RemoveStaleTemporaries(string fullPath)
    {
        string dir = Path.GetDirectoryName(fullPath)!, prefix = $".{Path.GetFileName(fullPath)}.";
        string[] candidates;
        try { candidates = Directory.GetFiles(dir, prefix + "*.tmp"); }
        catch (IOException) { return; }
        foreach (string candidate in candidates)
        {
            // .NAME.PID.GUID.tmp: the name may itself contain dots, so read PID from the end.
            string[] parts = Path.GetFileName(candidate)[prefix.Length..].Split('.');
            if (parts.Length != 3 || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { File.Delete(candidate); }
            catch (IOException) { }   // another writer got there first
            catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }        // no such process
        catch (InvalidOperationException) { return false; }
    }

    // fsync of the folder makes the rename durable (POSIX); best effort, and not possible on Windows, where
    // File.Move's MoveFileEx is already write-through enough for NTFS's journal.
    private static void FlushFolder(string dir)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(dir, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { _ = Fsync(fd); }
        finally { _ = Close(fd); }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
