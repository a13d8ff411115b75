using System.Text;
using SnnConvert.IO;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Models;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string[] Entries() => Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void Writes_the_content_and_leaves_no_temporary_file()
    {
        string path = _temp.File("a.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        AtomicFile.Write(path, s => s.Write([9, 8]));   // replace
        Assert.Equal([9, 8], File.ReadAllBytes(path));
        Assert.Equal(["a.bin"], Entries());
    }

    [Fact]
    public void A_failing_writer_leaves_the_old_file_intact_and_no_temporary_file()
    {
        string path = _temp.File("model.snnm");
        File.WriteAllBytes(path, [10, 20, 30]);
        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);   // more than the stream's buffer: some of it reaches the temporary file
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("writer failed", e.Message);
        Assert.Equal([10, 20, 30], File.ReadAllBytes(path));
        Assert.Equal(["model.snnm"], Entries());
    }

    [Fact]
    public void A_failing_writer_creates_no_file()
    {
        string path = _temp.File("new.snnm");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, _ => throw new IOException("disk full")));
        Assert.Empty(Entries());
    }

    [Fact]
    public void WriteAllText_writes_UTF8_without_a_byte_order_mark_and_creates_folders()
    {
        string path = Path.Combine(_temp.Path, "sub", "dir", "notes.txt");
        AtomicFile.WriteAllText(path, "héllo ✓");
        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓"), File.ReadAllBytes(path));
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void A_write_removes_the_temporary_files_of_killed_writers_of_the_same_target_only()
    {
        string path = _temp.File("m.snnm");
        string dead = _temp.File($".m.snnm.{int.MaxValue}.{Guid.NewGuid():N}.tmp");   // no process has this id
        string alive = _temp.File($".m.snnm.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string other = _temp.File($".other.snnm.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        foreach (string f in new[] { dead, alive, other }) File.WriteAllBytes(f, [1]);
        AtomicFile.Write(path, s => s.Write([7]));
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(alive));
        Assert.True(File.Exists(other));   // another target's: cleaned when that target is written
        Assert.True(AtomicFile.IsTemporary(Path.GetFileName(dead)));
        Assert.False(AtomicFile.IsTemporary("m.snnm"));
    }

    [Fact]
    public void A_directory_at_the_target_is_refused_by_name_and_left_alone()
    {
        string path = _temp.Sub("out.onnx");
        File.WriteAllBytes(Path.Combine(path, "inside"), [1]);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s => s.Write([7])));
        Assert.Contains(path, e.Message);
        Assert.Contains("is a directory", e.Message);
        Assert.Equal([1], File.ReadAllBytes(Path.Combine(path, "inside")));
        Assert.Equal(["out.onnx"], Entries());
    }

    [Fact]
    public void A_FIFO_at_the_target_is_refused_and_stays_a_FIFO()
    {
        if (!OperatingSystem.IsLinux()) return;   // the file type is read with statx (Linux); elsewhere nothing is refused
        string fifo = SpecialFiles.Fifo(_temp.File("pipe"));
        Assert.Equal("FIFO", AtomicFile.SpecialFileKind(fifo));

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(fifo, s => s.Write([7])));

        Assert.Contains(fifo, e.Message);
        Assert.Contains("is a FIFO, not a regular file", e.Message);
        Assert.Equal("FIFO", AtomicFile.SpecialFileKind(fifo));
        Assert.Equal(["pipe"], Entries());
    }

    [Fact]
    public void A_device_at_the_target_is_refused_and_not_replaced()
    {
        if (!OperatingSystem.IsLinux()) return;
        string? device = SpecialFiles.DeviceNode(_temp);
        Assert.True(device is not null, "no character device to test with: root without mknod rights, or no /dev/full");
        Assert.Equal("character device", AtomicFile.SpecialFileKind(device));

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(device, s => s.Write([7])));

        Assert.Contains($"{device}: is a character device", e.Message);
        Assert.Equal("character device", AtomicFile.SpecialFileKind(device));
        Assert.DoesNotContain(Entries(), name => AtomicFile.IsTemporary(name));
    }

    [Fact]
    public void Regular_files_and_missing_paths_have_no_special_kind()
    {
        string path = _temp.File("plain");
        Assert.Null(AtomicFile.SpecialFileKind(path));
        File.WriteAllBytes(path, [1]);
        Assert.Null(AtomicFile.SpecialFileKind(path));
        Assert.Null(AtomicFile.SpecialFileKind(_temp.Path));   // a directory is refused separately, by Directory.Exists
    }

    [Fact]
    public void A_symbolic_link_is_written_through_its_target_replaced_atomically_and_the_link_kept()
    {
        string data = _temp.Sub("data");
        string target = Path.Combine(data, "model.snnm");
        File.WriteAllBytes(target, [1, 2]);
        string link = _temp.File("latest.snnm");
        File.CreateSymbolicLink(link, Path.Combine("data", "model.snnm"));   // relative, as `ln -s` makes them

        AtomicFile.Write(link, s => s.Write([3, 4, 5]));

        Assert.Equal(Path.Combine("data", "model.snnm"), new FileInfo(link).LinkTarget);
        Assert.Equal([3, 4, 5], File.ReadAllBytes(target));
        Assert.Equal(["model.snnm"], Directory.GetFileSystemEntries(data).Select(Path.GetFileName));   // no temporary left
    }

    [Fact]
    public void A_dangling_symbolic_link_creates_the_file_it_names()
    {
        string link = _temp.File("out.onnx");
        string target = _temp.File("real.onnx");
        File.CreateSymbolicLink(link, target);

        AtomicFile.Write(link, s => s.Write([6]));

        Assert.Equal([6], File.ReadAllBytes(target));
        Assert.Equal(target, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void Disk_full_while_writing_keeps_the_old_file_and_removes_the_temporary()
    {
        string path = _temp.File("report.md");
        File.WriteAllBytes(path, [1, 2, 3]);
        // What the file system reports when a write or the final flush finds no space (ENOSPC): an IOException,
        // which the CLI maps to exit code 11 (the bad-input catalogue runs this through CommandRunner).
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new IOException($"No space left on device : '{path}'", 28);
        }));
        Assert.StartsWith("No space left on device", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["report.md"], Entries());
    }
}
