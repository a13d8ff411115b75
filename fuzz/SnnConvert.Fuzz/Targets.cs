using System.IO.Compression;
using System.Security.Cryptography;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Fuzz;

/// <summary>
/// The fuzz targets: each parses one input given as bytes. The contract: any input gives a value or an
/// <see cref="SnnConvertException"/>; any other exception, or an allocation far beyond what the input can justify
/// (<see cref="Checked"/>), is a crash. Shared by the AFL++ harness (Program.cs) and the regression tests, which
/// compile this file too (tests/SnnConvert.Tests/Reliability/FuzzRegressionTests.cs).
/// </summary>
public static class FuzzTargets
{
    /// <summary>Folder of the scratch files: the parsers take paths, so each input is written to a file (on tmpfs when there is one).</summary>
    public static string Scratch { get; set; } = Path.Combine(
        Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"snnconvert-fuzz-{Environment.ProcessId}");

    /// <summary>Targets by name: each parses one input given as bytes.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        // IDX (MNIST / Fashion-MNIST), raw or gzip: the same bytes read as an image file and as a label file.
        ["idx"] = bytes =>
        {
            string path = Write("data.idx", bytes);
            Expect(() => IdxReader.ReadImages(path));
            Expect(() => IdxReader.ReadLabels(path));
        },
        // CIFAR-10 batch file in an extracted folder, with an optional batches.meta.txt: input = batch bytes,
        // and when the input holds a 0xFF 0xFE marker, what follows it is the class-name file.
        ["cifar-bin"] = bytes =>
        {
            string folder = Path.Combine(Scratch, "cifar");
            Directory.CreateDirectory(folder);
            int marker = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xFE]);
            File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), marker < 0 ? bytes : bytes[..marker]);
            string meta = Path.Combine(folder, Cifar10Reader.MetaFileName);
            if (marker < 0) File.Delete(meta);
            else File.WriteAllBytes(meta, bytes[(marker + 2)..]);
            Expect(() => Cifar10Reader.ReadFolder(folder, "test"));
        },
        // cifar-10-binary.tar.gz as given: the gzip layer, then tar, then the batches.
        ["cifar-targz"] = bytes =>
        {
            string path = Write("cifar.tar.gz", bytes);
            Expect(() => Cifar10Reader.ReadArchive(path, "test"));
        },
        // The same archive reader with the input as the uncompressed tar (gzipped here), so mutations reach
        // the tar headers and members instead of dying in the deflate stream.
        ["cifar-tar"] = bytes =>
        {
            using var packed = new MemoryStream();
            using (var gzip = new GZipStream(packed, CompressionLevel.Fastest)) gzip.Write(bytes);
            string path = Write("cifar.tar.gz", packed.ToArray());
            Expect(() => Cifar10Reader.ReadArchive(path, "test"));
        },
        ["onnx"] = bytes => Expect(() => OnnxImporter.Import(bytes, "fuzz.onnx", "mnist")),
        // Model, SNN and checkpoint files end with a SHA-256 of the rest. A mutated file almost never matches
        // it, so (after the untouched input is tried as is) the checksum is recomputed: mutations then reach
        // the header, the JSON and the tensors instead of stopping at the checksum.
        ["model"] = bytes => Container(bytes, "m.snnm", path => ModelFile.Load(path)),
        ["snn"] = bytes => Container(bytes, "s.snn", path => SnnFile.Load(path)),
        ["checkpoint"] = bytes => Container(bytes, "m.ckpt", path => TrainingCheckpoint.Load(path)),
    };

    // The allocation bound: a fixed allowance (buffers, the first 1 MiB chunk of a gzip payload, JSON) plus
    // what the input could honestly decompress to (deflate expands at most about 1032 times).
    private const long FixedAllowance = 256L << 20;
    private const long PerInputByte = 1100;

    /// <summary>Runs one input through a target and fails when it allocated more than the input justifies.</summary>
    public static void Checked(Action<byte[]> target, byte[] input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        target(input);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = FixedAllowance + PerInputByte * input.Length;
        if (allocated > bound)
            throw new AllocationBoundExceededException($"allocated {allocated} bytes for an input of {input.Length} bytes (bound {bound})");
    }

    // Our documented exceptions are the expected outcome for bad input; anything else propagates (a crash).
    private static void Expect(Func<object> parse)
    {
        try { parse(); }
        catch (SnnConvertException) { }
    }

    private static void Container(byte[] bytes, string name, Func<string, object> load)
    {
        string path = Write(name, bytes);
        Expect(() => load(path));
        if (bytes.Length < 32) return;
        byte[] fixedUp = (byte[])bytes.Clone();
        SHA256.HashData(fixedUp.AsSpan(0, fixedUp.Length - 32)).CopyTo(fixedUp, fixedUp.Length - 32);
        if (fixedUp.AsSpan().SequenceEqual(bytes)) return;
        Write(name, fixedUp);
        Expect(() => load(path));
    }

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Scratch, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

/// <summary>An input made a parser allocate far more memory than its size can justify (a lying header).</summary>
public sealed class AllocationBoundExceededException(string message) : Exception(message);
