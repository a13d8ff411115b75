using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// Reads the CIFAR-10 "binary version": either the extracted folder <c>cifar-10-batches-bin</c> or the
/// archive <c>cifar-10-binary.tar.gz</c> itself, streamed through gzip and tar without extracting to disk.
/// Each record is one label byte (0..9) then 3072 pixel bytes: the 32x32 red plane, then green, then blue,
/// each row-major, which is already the CHW layout <see cref="ImageDataset"/> uses.
/// </summary>
public static class Cifar10Reader
{
    /// <summary>Bytes per image: 3 channels of 32x32.</summary>
    public const int ImageLength = 3 * 32 * 32;
    /// <summary>Bytes per record: the label byte plus the image.</summary>
    public const int RecordLength = 1 + ImageLength;
    /// <summary>Name of the class-name file inside the batches folder.</summary>
    public const string MetaFileName = "batches.meta.txt";

    private const int ClassCount = 10;
    // batches.meta.txt is 61 bytes; anything far larger is not a class list and is not read into memory.
    private const int MaxMetaLength = 64 * 1024;
    private const int RecordsPerChunk = 256;

    /// <summary>The ten class names in label order, used when batches.meta.txt is absent.</summary>
    public static IReadOnlyList<string> StandardClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The batch files of a split, in the order their records are concatenated.</summary>
    /// <param name="split">"train" (data_batch_1..5.bin) or "test" (test_batch.bin).</param>
    public static IReadOnlyList<string> BatchFileNames(string split) => DatasetLoader.NormalizeSplit(split) switch
    {
        "train" => ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
        _ => ["test_batch.bin"],
    };

    /// <summary>Reads a split from a batches folder or from a .tar.gz archive, whichever <paramref name="path"/> is.</summary>
    /// <param name="path">A folder holding the .bin files, or the archive file.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="datasetName">Name used for <see cref="ImageDataset.Name"/>, before "/split".</param>
    /// <exception cref="DataFormatException">A file or archive member is malformed.</exception>
    /// <exception cref="DatasetNotFoundException">A batch file is missing from the folder.</exception>
    public static ImageDataset Read(string path, string split, string datasetName = "cifar10") =>
        Directory.Exists(path) ? ReadFolder(path, split, datasetName) : ReadArchive(path, split, datasetName);

    /// <summary>Reads a split from an extracted <c>cifar-10-batches-bin</c> folder.</summary>
    /// <param name="folder">The folder holding data_batch_*.bin / test_batch.bin.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="datasetName">Name used for <see cref="ImageDataset.Name"/>, before "/split".</param>
    /// <exception cref="DataFormatException">A batch file has a bad length or label, or the class names are malformed.</exception>
    /// <exception cref="DatasetNotFoundException">A batch file is missing.</exception>
    public static ImageDataset ReadFolder(string folder, string split, string datasetName = "cifar10")
    {
        split = DatasetLoader.NormalizeSplit(split);
        var files = new List<(string Path, long Records)>();
        long total = 0;
        foreach (string name in BatchFileNames(split))
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path))
                throw new DatasetNotFoundException($"{path}: batch file: expected {name} in {folder}, not found");
            // The real file length bounds every allocation below; a wrong length fails before reading.
            long records = CheckLength(path, new FileInfo(path).Length);
            files.Add((path, records));
            total += records;
        }

        (byte[] labels, byte[] pixels) = Allocate(folder, total);
        long first = 0;
        foreach ((string path, long records) in files)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            ParseRecords(stream, path, records, labels, pixels, first);
            first += records;
        }

        string metaPath = Path.Combine(folder, MetaFileName);
        IReadOnlyList<string> classNames = StandardClassNames;
        if (File.Exists(metaPath))
        {
            long length = new FileInfo(metaPath).Length;
            if (length > MaxMetaLength) throw Fail(metaPath, "file length", $"at most {MaxMetaLength} bytes", $"{length} bytes");
            classNames = ParseClassNames(metaPath, File.ReadAllBytes(metaPath));
        }
        return new ImageDataset($"{datasetName}/{split}", pixels, labels, 3, 32, 32, classNames);
    }

    /// <summary>Reads a split straight from <c>cifar-10-binary.tar.gz</c> (members are matched by file name,
    /// so the usual <c>cifar-10-batches-bin/</c> prefix is optional).</summary>
    /// <param name="archivePath">The .tar.gz archive.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="datasetName">Name used for <see cref="ImageDataset.Name"/>, before "/split".</param>
    /// <exception cref="DataFormatException">The archive is corrupt, lacks a batch, or a batch is malformed.</exception>
    public static ImageDataset ReadArchive(string archivePath, string split, string datasetName = "cifar10")
    {
        split = DatasetLoader.NormalizeSplit(split);
        IReadOnlyList<string> wanted = BatchFileNames(split);
        // Members may come in any order, so each wanted batch is held until all are read; the sizes are
        // bounded by the data that really decompresses, not by the tar header's claim.
        var batches = new Dictionary<string, (string Source, byte[] Data)>(StringComparer.Ordinal);
        byte[]? meta = null;
        string? metaSource = null;
        try
        {
            using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            if (!GzipDetection.StartsWithGzipMagic(file))
                throw Fail(archivePath, "archive format", "a gzip-compressed tar (magic 1f 8b)", "other data");
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(new TarHeaderGuard(gzip, archivePath));
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    continue;
                string name = Path.GetFileName(entry.Name);
                string source = $"{archivePath} [{entry.Name}]";
                if (wanted.Contains(name))
                {
                    if (batches.ContainsKey(name))
                        throw Fail(archivePath, "archive member", $"one {name}", $"a second one at {entry.Name}");
                    CheckLength(source, entry.Length);
                    BoundedRead.Result read = BoundedRead.ReadPayload(entry.DataStream, entry.Length);
                    if (read.Found != entry.Length)
                        throw Fail(source, "data length", $"{entry.Length} bytes (tar header)", $"{read.Found} bytes (truncated)");
                    batches[name] = (source, read.Data);
                }
                else if (name == MetaFileName && meta is null)
                {
                    if (entry.Length > MaxMetaLength)
                        throw Fail(source, "file length", $"at most {MaxMetaLength} bytes", $"{entry.Length} bytes");
                    meta = BoundedRead.ReadPayload(entry.DataStream, entry.Length).Data;
                    metaSource = source;
                }
            }
        }
        // TarReader reports a damaged header as any of these (an OverflowException for a base-256 size field that
        // does not fit, found by fuzzing: tests/fixtures/fuzz/cifar-targz/).
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException or OverflowException
            or ArgumentException or NotSupportedException)
        {
            throw new DataFormatException($"{archivePath}: archive: expected a valid gzip-compressed tar, found corrupt data ({ex.Message})", ex);
        }

        foreach (string name in wanted)
            if (!batches.ContainsKey(name))
                throw Fail(archivePath, "archive member", $"{name} (for the {split} split)", "no such member");

        long total = wanted.Sum(name => (long)batches[name].Data.Length / RecordLength);
        (byte[] labels, byte[] pixels) = Allocate(archivePath, total);
        long first = 0;
        foreach (string name in wanted)
        {
            (string source, byte[] data) = batches[name];
            batches.Remove(name);   // let each batch go as soon as it is copied
            long records = data.Length / RecordLength;
            ParseRecords(new MemoryStream(data, writable: false), source, records, labels, pixels, first);
            first += records;
        }

        IReadOnlyList<string> classNames = meta is null ? StandardClassNames : ParseClassNames(metaSource!, meta);
        return new ImageDataset($"{datasetName}/{split}", pixels, labels, 3, 32, 32, classNames);
    }

    /// <summary>Parses batches.meta.txt: one class name per line in label order; blank lines (the file ends with one) are ignored.</summary>
    internal static IReadOnlyList<string> ParseClassNames(string source, byte[] content)
    {
        string[] names = Encoding.UTF8.GetString(content)
            .Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0)
            .ToArray();
        if (names.Length != ClassCount)
            throw Fail(source, "class names", $"{ClassCount} non-empty lines", $"{names.Length}");
        return names;
    }

    private static long CheckLength(string source, long length)
    {
        if (length <= 0 || length % RecordLength != 0)
            throw Fail(source, "file length", $"a positive multiple of {RecordLength} bytes (1 label + {ImageLength} pixels per record)",
                $"{length} bytes ({length / RecordLength} records and {length % RecordLength} bytes left over)");
        return length / RecordLength;
    }

    private static (byte[] Labels, byte[] Pixels) Allocate(string source, long records)
    {
        if (records * ImageLength > Array.MaxLength)
            throw Fail(source, "record count", $"at most {Array.MaxLength / ImageLength} images in one split", $"{records}");
        return (new byte[records], new byte[records * ImageLength]);
    }

    // Splits records into the label array and the (already CHW) pixel array, checking each label.
    private static void ParseRecords(Stream stream, string source, long records, byte[] labels, byte[] pixels, long first)
    {
        byte[] chunk = new byte[RecordsPerChunk * RecordLength];
        for (long done = 0; done < records;)
        {
            int n = (int)Math.Min(RecordsPerChunk, records - done);
            int got = stream.ReadAtLeast(chunk.AsSpan(0, n * RecordLength), n * RecordLength, throwOnEndOfStream: false);
            if (got < n * RecordLength)   // the file shrank between the length check and the read
                throw Fail(source, "data length", $"{records * RecordLength} bytes", $"{done * RecordLength + got} bytes (truncated)");
            for (int i = 0; i < n; i++)
            {
                int offset = i * RecordLength;
                byte label = chunk[offset];
                if (label >= ClassCount)
                    throw Fail(source, $"label of record {done + i}", $"0..{ClassCount - 1}", label.ToString());
                long index = first + done + i;
                labels[index] = label;
                chunk.AsSpan(offset + 1, ImageLength).CopyTo(pixels.AsSpan((int)(index * ImageLength), ImageLength));
            }
            done += n;
        }
    }

    private static DataFormatException Fail(string source, string field, string expected, string found) =>
        new($"{source}: {field}: expected {expected}, found {found}");
}
