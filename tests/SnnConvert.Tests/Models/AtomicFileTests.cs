using System.Text;
using SnnConvert.IO;
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
}
