using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using SnnConvert.Data;

namespace SnnConvert.Tests.Data;

/// <summary>Small synthetic dataset files built in memory.</summary>
internal static class TestData
{
    public static byte[] IdxImages(int count, int rows, int columns, int seed = 1)
    {
        byte[] bytes = IdxImagesHeader(count, rows, columns, count * rows * columns);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = PixelValue(i - 16, seed);
        return bytes;
    }

    /// <summary>An image header followed by exactly <paramref name="payload"/> bytes, whatever the header says.</summary>
    public static byte[] IdxImagesHeader(int count, int rows, int columns, int payload, int magic = IdxReader.ImageMagic)
    {
        byte[] bytes = new byte[16 + payload];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        return bytes;
    }

    public static byte[] IdxLabels(params byte[] labels) => IdxLabelsHeader(labels.Length, labels);

    public static byte[] IdxLabelsHeader(int count, byte[] payload, int magic = IdxReader.LabelMagic)
    {
        byte[] bytes = new byte[8 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        payload.CopyTo(bytes, 8);
        return bytes;
    }

    public static byte PixelValue(int index, int seed) => (byte)((index * 31 + seed * 17) % 251);

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>A CIFAR batch: one record per label; pixel j of record i is (i*7 + j + seed) mod 256.</summary>
    public static byte[] CifarBatch(int seed, params byte[] labels)
    {
        byte[] bytes = new byte[labels.Length * Cifar10Reader.RecordLength];
        for (int i = 0; i < labels.Length; i++)
        {
            int offset = i * Cifar10Reader.RecordLength;
            bytes[offset] = labels[i];
            for (int j = 0; j < Cifar10Reader.ImageLength; j++) bytes[offset + 1 + j] = CifarPixel(seed, i, j);
        }
        return bytes;
    }

    public static byte CifarPixel(int seed, int record, int index) => (byte)(record * 7 + index + seed);

    /// <summary>A .tar.gz (ustar) holding <paramref name="members"/> (name, content) in the given order.</summary>
    public static byte[] TarGz(params (string Name, byte[] Content)[] members) => TarGz(TarEntryFormat.Ustar, members);

    /// <summary>A .tar.gz in <paramref name="format"/>: a directory entry, then <paramref name="members"/> in order.</summary>
    public static byte[] TarGz(TarEntryFormat format, params (string Name, byte[] Content)[] members)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, format))
        {
            if (format != TarEntryFormat.V7) tar.WriteEntry(Entry(format, TarEntryType.Directory, "cifar-10-batches-bin/"));
            foreach ((string name, byte[] content) in members)
            {
                TarEntryType type = format == TarEntryFormat.V7 ? TarEntryType.V7RegularFile : TarEntryType.RegularFile;
                TarEntry entry = Entry(format, type, name);
                entry.DataStream = new MemoryStream(content);
                tar.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    private static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name) => format switch
    {
        TarEntryFormat.V7 => new V7TarEntry(type, name),
        TarEntryFormat.Ustar => new UstarTarEntry(type, name),
        TarEntryFormat.Pax => new PaxTarEntry(type, name),
        _ => new GnuTarEntry(type, name),
    };

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Writes MNIST-style files for both splits into <paramref name="folder"/>.</summary>
    public static void WriteIdxDataset(string folder, int size = 4, int trainCount = 3, int testCount = 2, bool gzip = true)
    {
        Directory.CreateDirectory(folder);
        foreach ((string split, int count) in new[] { ("train", trainCount), ("test", testCount) })
        {
            byte[] images = IdxImages(count, size, size, seed: split.Length);
            byte[] labels = IdxLabels(Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray());
            string suffix = gzip ? ".gz" : "";
            File.WriteAllBytes(Path.Combine(folder, MnistFamilyLoader.ImagesFileName(split) + suffix), gzip ? Gzip(images) : images);
            File.WriteAllBytes(Path.Combine(folder, MnistFamilyLoader.LabelsFileName(split) + suffix), gzip ? Gzip(labels) : labels);
        }
    }

    /// <summary>A dataset entry for tiny MNIST-style files of <paramref name="size"/>x<paramref name="size"/>.</summary>
    public static DatasetInfo TinyIdxInfo(int size = 4, string name = "tiny") => DatasetCatalog.Mnist with
    {
        Name = name, DisplayName = "Tiny", Height = size, Width = size, SearchPaths = [name], CacheFolder = name,
    };
}
