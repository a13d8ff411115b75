using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json.Nodes;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Fuzz;

/// <summary>
/// Writes the seed corpus: one small valid input (and a few near misses) per target, so afl-fuzz starts from
/// files that get past the magic numbers. fuzz/corpus/ in the repository is this output; rerun
/// <c>dotnet SnnConvert.Fuzz.dll seeds fuzz/corpus</c> after a format change.
/// </summary>
internal static class Seeds
{
    public static void Write(string corpus)
    {
        void Put(string target, string name, byte[] bytes)
        {
            string folder = Path.Combine(corpus, target);
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }

        byte[] images = IdxImages(3, 4, 4), labels = IdxLabels([1, 2, 3]);
        Put("idx", "images-3x4x4.idx", images);
        Put("idx", "labels-3.idx", labels);
        Put("idx", "images-3x4x4.idx.gz", Gzip(images));
        Put("idx", "labels-3.idx.gz", Gzip(labels));

        byte[] batch = CifarBatch(2);
        Put("cifar-bin", "two-records.bin", batch);
        Put("cifar-bin", "two-records-with-meta.bin", [.. batch, 0xFF, 0xFE, .. "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"u8]);
        byte[] tar = Tar(("cifar-10-batches-bin/test_batch.bin", batch), ("cifar-10-batches-bin/batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"u8.ToArray()));
        Put("cifar-tar", "test-batch.tar", tar);
        Put("cifar-targz", "test-batch.tar.gz", Gzip(tar));

        SavedModel model = TinyModel();
        string scratch = Path.Combine(Path.GetTempPath(), $"snnconvert-seeds-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            string m = Path.Combine(scratch, "m.snnm"), s = Path.Combine(scratch, "s.snn"), c = Path.Combine(scratch, "m.ckpt"), o = Path.Combine(scratch, "m.onnx");
            ModelFile.Save(m, model);
            Put("model", "tiny.snnm", File.ReadAllBytes(m));
            SnnFile.Save(s, TinySnn());
            Put("snn", "tiny.snn", File.ReadAllBytes(s));
            var options = new TrainOptions(1, 4, "sgd", 0.1f, "constant", 1, 0.1f, 0f, 0.9f, false, false, 1);
            TrainingCheckpoint.Save(c, model, options.CreateOptimizer(), options, TrainingState.Start);
            Put("checkpoint", "tiny.ckpt", File.ReadAllBytes(c));
            OnnxExporter.Save(o, model.Network);
            Put("onnx", "tiny.onnx", File.ReadAllBytes(o));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    // normalize, conv 1->2 3x3 pad 1 +bias, batch norm, relu, avgpool 2, maxpool 1, flatten, dropout, linear 18->3 +bias.
    private static SavedModel TinyModel()
    {
        LayerSpec[] architecture =
        [
            new NormalizeSpec([0.5f], [0.25f]),
            new Conv2dSpec(1, 2, 3, 1, 1, Bias: true),
            new BatchNorm2dSpec(2),
            new ReluSpec(),
            new AvgPool2dSpec(2, 2),
            new FlattenSpec(),
            new DropoutSpec(0.5f),
            new LinearSpec(18, 3, Bias: true),
        ];
        var network = new Network("tiny", architecture, [1, 6, 6], new Random(1));
        return new SavedModel(network, "mnist", ["a", "b", "c"], new JsonObject { ["seed"] = 1 });
    }

    private static SpikingNetwork TinySnn()
    {
        var rng = new Random(2);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(-8, 9) / 16f).ToArray();
        SnnLayer[] layers =
        [
            new SnnConv2d(1, 2, 3, 1, 1) { Weight = Values(18), Bias = Values(2), Thresholds = [0.5f, 0.75f], PadValues = [0.5f], Spiking = true },
            new SnnAvgPool2d(2, 2),
            new SnnFlatten(),
            new SnnLinear(18, 3) { Weight = Values(54), Spiking = false },
        ];
        return new SpikingNetwork("tiny", [1, 6, 6], layers, ["a", "b", "c"], "mnist", new NeuronModel(), Readout.Membrane,
            new JsonObject { ["method"] = "max-current" });
    }

    private static byte[] IdxImages(int count, int rows, int columns)
    {
        byte[] bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.ImageMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)(i * 37);
        return bytes;
    }

    private static byte[] IdxLabels(byte[] labels)
    {
        byte[] bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] CifarBatch(int records)
    {
        byte[] bytes = new byte[records * Cifar10Reader.RecordLength];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(i % Cifar10Reader.RecordLength == 0 ? i / Cifar10Reader.RecordLength : i * 13);
        return bytes;
    }

    private static byte[] Tar(params (string Name, byte[] Content)[] members)
    {
        using var output = new MemoryStream();
        using (var tar = new TarWriter(output, TarEntryFormat.Ustar))
            foreach ((string name, byte[] content) in members)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal)) gzip.Write(data);
        return output.ToArray();
    }
}
