using System.Buffers.Binary;
using System.IO.Compression;
using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format): a big-endian header of 32-bit integers, then
/// unsigned bytes. Image files have magic 2051 and count, rows, columns; label files have magic 2049 and
/// count. Files may be gzip-compressed (recognised by content, not name) or raw.
/// </summary>
/// <remarks>
/// Every inconsistency is a <see cref="DataFormatException"/> whose message reads
/// "<c>path: field: expected X, found Y</c>". The header is never trusted for allocation: a raw file is
/// checked against its real length before anything is allocated, and a gzip file's buffer only grows as
/// decompressed data really arrives (see <see cref="BoundedRead"/>).
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with three dimensions (images).</summary>
    public const int ImageMagic = 0x0803;
    /// <summary>Magic number of an IDX file of unsigned bytes with one dimension (labels).</summary>
    public const int LabelMagic = 0x0801;

    private const int ImageHeaderLength = 16;
    private const int LabelHeaderLength = 8;
    // Bounding rows and columns keeps count*rows*cols inside a long (2^31 * 2^32 > 2^63 would not be)
    // and rejects garbage headers early; no real image data set comes near it.
    private const int MaxDimension = 65535;

    /// <summary>Reads an IDX image file (raw or gzip).</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="DataFormatException">Bad magic, dimensions, or a length that does not match the header.</exception>
    public static IdxImages ReadImages(string path)
    {
        using Input input = Input.Open(path);
        try
        {
            Span<byte> header = stackalloc byte[ImageHeaderLength];
            ReadHeader(input, header);
            CheckMagic(input, BinaryPrimitives.ReadInt32BigEndian(header), ImageMagic);
            int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
            int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
            int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
            if (count < 0) throw Fail(path, "image count", "a non-negative number", count.ToString());
            CheckDimension(path, "rows", rows);
            CheckDimension(path, "columns", columns);
            long expected = (long)count * rows * columns;
            byte[] pixels = ReadPayload(input, ImageHeaderLength, expected, $"{count} images of {rows}x{columns}");
            return new IdxImages(count, rows, columns, pixels);
        }
        catch (InvalidDataException ex)
        {
            throw CorruptGzip(path, ex);
        }
    }

    /// <summary>Reads an IDX label file (raw or gzip); one byte per label.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="DataFormatException">Bad magic or a length that does not match the header.</exception>
    public static byte[] ReadLabels(string path)
    {
        using Input input = Input.Open(path);
        try
        {
            Span<byte> header = stackalloc byte[LabelHeaderLength];
            ReadHeader(input, header);
            CheckMagic(input, BinaryPrimitives.ReadInt32BigEndian(header), LabelMagic);
            int count = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
            if (count < 0) throw Fail(path, "label count", "a non-negative number", count.ToString());
            return ReadPayload(input, LabelHeaderLength, count, $"{count} labels");
        }
        catch (InvalidDataException ex)
        {
            throw CorruptGzip(path, ex);
        }
    }

    private static void ReadHeader(Input input, Span<byte> header)
    {
        int n = input.Stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (n < header.Length)
            throw Fail(input.Path, "header", $"{header.Length} bytes", $"{n} bytes{input.Decompressed}");
    }

    private static void CheckMagic(Input input, int magic, int expected)
    {
        if (magic == expected) return;
        string what = expected == ImageMagic ? "IDX image file" : "IDX label file";
        // Swapped image/label arguments are the common mistake; say so instead of only printing numbers.
        string found = magic switch
        {
            ImageMagic => $"{magic} (an IDX image file)",
            LabelMagic => $"{magic} (an IDX label file)",
            _ => $"{magic} (0x{magic:X8})",
        };
        throw Fail(input.Path, "magic number", $"{expected} ({what})", found + (input.IsGzip ? "" : NotGzipHint(input.Path)));
    }

    // A raw file named .gz that is not IDX either is most likely a failed download (an HTML error page).
    private static string NotGzipHint(string path) =>
        path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? "; the file is not gzip-compressed despite its .gz name" : "";

    private static void CheckDimension(string path, string field, int value)
    {
        if (value < 1 || value > MaxDimension)
            throw Fail(path, field, $"1..{MaxDimension}", value.ToString());
    }

    private static byte[] ReadPayload(Input input, int headerLength, long expected, string description)
    {
        long found;
        byte[]? data = null;
        if (input.RawLength is long rawLength)
        {
            // Raw file: the real length is known, so compare before allocating anything.
            found = rawLength - headerLength;
        }
        else
        {
            BoundedRead.Result result = BoundedRead.ReadPayload(input.Stream, expected);
            found = result.Found;
            data = result.Data;
        }

        if (found != expected)
        {
            string problem = found < expected ? "truncated" : $"{found - expected} trailing bytes";
            throw Fail(input.Path, "data length", $"{expected} bytes ({description}) after the {headerLength}-byte header",
                $"{found} bytes{input.Decompressed} ({problem})");
        }
        if (expected > Array.MaxLength)
            throw Fail(input.Path, "data length", $"at most {Array.MaxLength} bytes (one array)", $"{expected} bytes ({description})");

        if (data is null)
        {
            data = new byte[expected];
            input.Stream.ReadExactly(data);
        }
        return data;
    }

    private static DataFormatException CorruptGzip(string path, InvalidDataException ex) =>
        new($"{path}: gzip stream: expected valid gzip data, found corrupt data ({ex.Message})", ex);

    private static DataFormatException Fail(string path, string field, string expected, string found) =>
        new($"{path}: {field}: expected {expected}, found {found}");

    /// <summary>An opened file and, for gzip, the decompressing stream over it.</summary>
    private sealed class Input : IDisposable
    {
        private readonly FileStream _file;

        private Input(string path, FileStream file, Stream stream, long? rawLength)
        {
            Path = path; _file = file; Stream = stream; RawLength = rawLength;
        }

        public string Path { get; }
        public Stream Stream { get; }
        /// <summary>The file length when the file is raw; null for gzip, whose content length is unknown.</summary>
        public long? RawLength { get; }
        public bool IsGzip => RawLength is null;
        /// <summary>Qualifies a found length, so a message never confuses compressed and decompressed sizes.</summary>
        public string Decompressed => IsGzip ? " (decompressed)" : "";

        public static Input Open(string path)
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                if (GzipDetection.StartsWithGzipMagic(file))
                    return new Input(path, file, new GZipStream(file, CompressionMode.Decompress, leaveOpen: true), null);
                return new Input(path, file, file, file.Length);
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            if (!ReferenceEquals(Stream, _file)) Stream.Dispose();
            _file.Dispose();
        }
    }
}
