namespace SnnConvert.Data;

/// <summary>
/// A read-only pass-through stream under <see cref="System.Formats.Tar.TarReader"/> that checks each tar header as
/// it goes by and refuses an extended header (GNU long name/link, PAX) claiming more than
/// <see cref="MaxExtendedHeaderBytes"/>: TarReader allocates such a header's whole claimed size before reading it,
/// so a lying size field would make it allocate gigabytes (found by fuzzing: tests/fixtures/fuzz/cifar-tar/).
/// Regular members are streamed by TarReader and bounded by the caller.
/// </summary>
internal sealed class TarHeaderGuard(Stream inner, string source) : Stream
{
    /// <summary>The largest extended header accepted (real ones hold a path or a few attributes).</summary>
    public const int MaxExtendedHeaderBytes = 1 << 20;

    private const int Block = 512;
    private readonly byte[] _header = new byte[Block];
    private long _position, _nextHeader;
    private int _filled;

    public override int Read(byte[] buffer, int offset, int count) => Inspect(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override int Read(Span<byte> buffer) => Inspect(buffer[..inner.Read(buffer)]);

    // Collects the bytes of the next header block as they pass and checks the header once it is complete.
    private int Inspect(ReadOnlySpan<byte> read)
    {
        int at = 0;
        while (at < read.Length)
        {
            long offsetInRead = _nextHeader + _filled - _position;
            if (offsetInRead < at) offsetInRead = at;   // the header started in an earlier read
            if (offsetInRead >= read.Length) break;
            int take = (int)Math.Min(Block - _filled, read.Length - offsetInRead);
            read.Slice((int)offsetInRead, take).CopyTo(_header.AsSpan(_filled));
            _filled += take;
            at = (int)offsetInRead + take;
            if (_filled == Block) Check();
        }
        _position += read.Length;
        return read.Length;
    }

    private void Check()
    {
        long start = _nextHeader;
        _filled = 0;
        if (_header.AsSpan().IndexOfAnyExcept((byte)0) < 0) { _nextHeader = start + Block; return; }   // end-of-archive block
        if (Size(_header.AsSpan(124, 12)) is not { } size) { _nextHeader = long.MaxValue; return; }   // TarReader reports the bad field
        char type = (char)_header[156];
        if (type is 'L' or 'K' or 'x' or 'g' && size > MaxExtendedHeaderBytes)
            throw new InvalidDataException($"{source}: tar header at byte {start} (type '{type}') claims an extended header of {size} bytes, more than {MaxExtendedHeaderBytes}");
        _nextHeader = start + Block + (size + Block - 1) / Block * Block;
    }

    // The size field: octal digits (NUL or space terminated), or base-256 when the high bit of the first byte is set.
    private static long? Size(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..4].IndexOfAnyExcept((byte)0) >= 0) return null;   // negative or beyond 2^64
            long value = 0;
            foreach (byte b in field[4..]) value = (value << 8) | b;
            return value < 0 ? null : value;
        }
        long octal = 0;
        int i = 0;
        while (i < field.Length && field[i] == (byte)' ') i++;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++) octal = octal * 8 + (field[i] - '0');
        return octal;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
