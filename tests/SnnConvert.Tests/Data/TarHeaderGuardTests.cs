using System.Formats.Tar;
using SnnConvert.Data;
using Xunit;

namespace SnnConvert.Tests.Data;

/// <summary>The guard under TarReader: honest archives pass unchanged, a lying extended-header size is refused before TarReader allocates it.</summary>
public class TarHeaderGuardTests
{
    private static byte[] Archive(TarEntryFormat format, string name, int dataBytes)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, format, leaveOpen: true))
        {
            var entry = format == TarEntryFormat.Gnu ? (TarEntry)new GnuTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name);
            entry.DataStream = new MemoryStream(Enumerable.Range(0, dataBytes).Select(i => (byte)i).ToArray());
            writer.WriteEntry(entry);
            var second = format == TarEntryFormat.Gnu ? (TarEntry)new GnuTarEntry(TarEntryType.RegularFile, "b") : new PaxTarEntry(TarEntryType.RegularFile, "b");
            second.DataStream = new MemoryStream([1, 2, 3]);
            writer.WriteEntry(second);
        }
        return stream.ToArray();
    }

    // Reads through the guard with reads of `chunk` bytes, so that headers straddle reads.
    private sealed class Trickle(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }

    [Theory]
    [InlineData(TarEntryFormat.Gnu, 1)]
    [InlineData(TarEntryFormat.Gnu, 700)]
    [InlineData(TarEntryFormat.Pax, 100000)]
    public void Honest_archives_with_long_names_read_the_same_through_the_guard(TarEntryFormat format, int chunk)
    {
        string longName = "cifar-10-batches-bin/" + new string('x', 150) + "/test_batch.bin";   // needs an extended header
        byte[] tar = Archive(format, longName, 1300);
        using var reader = new TarReader(new TarHeaderGuard(new Trickle(tar, chunk), "t.tar"));
        TarEntry first = reader.GetNextEntry()!;
        Assert.Equal(longName, first.Name);
        Assert.Equal(1300, first.Length);
        var data = new MemoryStream();
        first.DataStream!.CopyTo(data);
        Assert.Equal(Enumerable.Range(0, 1300).Select(i => (byte)i), data.ToArray());
        Assert.Equal("b", reader.GetNextEntry()!.Name);
        Assert.Null(reader.GetNextEntry());
    }

    [Fact]
    public void A_lying_extended_header_size_is_refused_naming_the_source_and_the_header()
    {
        byte[] tar = Archive(TarEntryFormat.Pax, "short", 10);
        // Turn the first header into a PAX global header claiming 0o17777777777 bytes (about 2 GB), with a valid checksum.
        tar[156] = (byte)'g';
        "17777777777\0"u8.CopyTo(tar.AsSpan(124));
        "        "u8.CopyTo(tar.AsSpan(148));
        int sum = tar.AsSpan(0, 512).ToArray().Sum(b => b);
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, 148);
        using var reader = new TarReader(new TarHeaderGuard(new MemoryStream(tar), "lying.tar"));
        var e = Assert.Throws<InvalidDataException>(() => reader.GetNextEntry());
        Assert.Contains("lying.tar", e.Message);
        Assert.Contains("type 'g'", e.Message);
        Assert.Contains("2147483647 bytes", e.Message);
    }
}
