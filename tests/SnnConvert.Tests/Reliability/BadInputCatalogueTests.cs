using System.Text.Json.Nodes;
using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using SnnConvert.Tests.Data;
using SnnConvert.Tests.Models;
using SnnConvert.Tests.Onnx;
using SnnConvert.Tests.Snn;
using SnnConvert.Training;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// The catalogue of bad inputs (docs/reliability.md): each case is a command a user could type with a broken file,
/// folder or option, run through the CLI's Main. Each asserts the exit code of its error category, the category
/// name in the message, and that the message names the file or field at fault. No case may end in exit code 1 (an
/// internal error) or an exception escaping Main.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BadInputCatalogueTests(ITestOutputHelper output) : IDisposable
{
    private const int Usage = 2, DataFormat = 3, DatasetMissing = 4, ModelFormat = 5, Mismatch = 7, Conversion = 8, OnnxFormat = 9, Io = 11,
        ResultsFormat = 15;
    private static readonly Dictionary<int, string> Categories = new()
    {
        [Usage] = "usage", [DataFormat] = "data-format", [DatasetMissing] = "dataset-missing", [ModelFormat] = "model-format",
        [Mismatch] = "model-data-mismatch", [Conversion] = "conversion", [OnnxFormat] = "onnx-format", [Io] = "io",
        [ResultsFormat] = "results-format",
    };

    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    /// <summary>One bad input: builds its files in the folder and returns the command line and the expected outcome.</summary>
    private sealed record Case(int ExitCode, string[] Args, params string[] Mentions)
    {
        /// <summary>Instead of a command line: a library call run through the CLI's error mapping (CommandRunner).</summary>
        public Action? Body { get; init; }
    }

    private static readonly string SeedModel = RepositoryFiles.Path("models/mnist-seed.snnm");

    private static readonly Dictionary<string, Func<TempDirectory, Case>> Cases = new()
    {
        // ---- datasets: IDX (MNIST family) ----
        ["idx-images-truncated"] = t => MnistImages(t, TestData.IdxImages(10, 28, 28)[..5000], false, "t10k-images-idx3-ubyte", "data length", "truncated"),
        ["idx-images-empty"] = t => MnistImages(t, [], false, "t10k-images-idx3-ubyte", "header", "0 bytes"),
        ["idx-labels-empty"] = t => MnistLabels(t, [], "t10k-labels-idx1-ubyte", "header"),
        ["idx-images-wrong-magic"] = t => MnistImages(t, TestData.IdxImagesHeader(10, 28, 28, 7840, magic: 0x0803 + 0x100), false, "t10k-images-idx3-ubyte", "magic number", "2051"),
        ["idx-labels-given-as-images"] = t => MnistImages(t, TestData.IdxLabels(new byte[10]), false, "t10k-images-idx3-ubyte", "magic number", "an IDX label file"),
        ["idx-image-and-label-counts-differ"] = t => MnistLabels(t, TestData.IdxLabels(new byte[9]), "t10k-labels-idx1-ubyte", "9"),
        ["idx-trailing-bytes"] = t => MnistImages(t, [.. TestData.IdxImages(10, 28, 28), 1, 2, 3], false, "t10k-images-idx3-ubyte", "3 trailing bytes"),
        ["idx-zero-rows"] = t => MnistImages(t, TestData.IdxImagesHeader(10, 0, 28, 0), false, "t10k-images-idx3-ubyte", "rows"),
        ["idx-lying-count"] = t => MnistImages(t, TestData.IdxImagesHeader(int.MaxValue, 28, 28, 100), false, "t10k-images-idx3-ubyte", "data length", "2147483647 images"),
        ["idx-corrupt-gzip"] = t => MnistImages(t, [.. TestData.Gzip(TestData.IdxImages(10, 28, 28))[..40], .. new byte[40]], true, "t10k-images-idx3-ubyte.gz", "gzip"),
        ["idx-html-saved-as-gz"] = t => MnistImages(t, "<html><body>404 Not Found</body></html>"u8.ToArray(), true, "t10k-images-idx3-ubyte.gz", "not gzip-compressed"),
        ["idx-images-not-28x28"] = t => MnistImages(t, TestData.IdxImages(10, 8, 8), false, "t10k-images-idx3-ubyte", "image size", "8x8"),
        ["idx-label-out-of-range"] = t => MnistLabels(t, TestData.IdxLabels([0, 1, 2, 3, 4, 5, 6, 7, 8, 42]), "t10k-labels-idx1-ubyte", "label of item 9", "42"),

        // ---- datasets: CIFAR-10 ----
        ["cifar-batch-length"] = t => EvalCifarFolder(t, TestData.CifarBatch(1, 3, 4)[..5000], "test_batch.bin", "file length", "3073"),
        ["cifar-label-out-of-range"] = t => EvalCifarFolder(t, TestData.CifarBatch(1, 3, 10), "test_batch.bin", "label of record 1", "10"),
        ["cifar-meta-wrong-line-count"] = t => EvalCifarFolder(t, TestData.CifarBatch(1, 3), Cifar10Reader.MetaFileName, "class names", meta: "cat\ndog\n"),
        ["cifar-archive-truncated"] = t => EvalCifarArchive(t, Archive()[..300], "test_batch.bin", "truncated"),
        ["cifar-archive-missing-batch"] = t => EvalCifarArchive(t, TestData.TarGz(("cifar-10-batches-bin/data_batch_1.bin", TestData.CifarBatch(1, 2))), "test_batch.bin", "no such member"),
        ["cifar-archive-not-gzip"] = t => EvalCifarArchive(t, "PK\u0003\u0004 a zip file"u8.ToArray(), "archive format", "gzip"),
        ["cifar-archive-member-length"] = t => EvalCifarArchive(t, TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", new byte[100])), "[cifar-10-batches-bin/test_batch.bin]", "file length"),

        // ---- datasets: missing ----
        ["data-dir-missing"] = t => new(DatasetMissing, ["eval", "--model", SeedModel, "--data-dir", t.File("no-such-folder"), "--limit", "5"], "no-such-folder", "does not exist"),
        ["cifar-folder-missing-batch"] = t =>
        {
            string folder = t.Sub("data", "cifar-10-batches-bin");
            File.WriteAllBytes(Path.Combine(folder, "data_batch_1.bin"), TestData.CifarBatch(1, 2));
            // Through the CLI the locator would skip this folder and find a complete copy elsewhere (CI has one),
            // so the reader is called on the folder directly, through the CLI's error mapping.
            return new(DatasetMissing, [], "test_batch.bin", folder) { Body = () => Cifar10Reader.ReadFolder(folder, "test") };
        },

        // ---- model files ----
        ["model-empty"] = t => EvalModel(t, _ => [], ModelFormat, "too short"),
        ["model-truncated"] = t => EvalModel(t, b => b[..(b.Length / 2)], ModelFormat, "truncated"),
        ["model-wrong-magic"] = t => EvalModel(t, b => [.. "ONNX"u8, .. b[4..]], ModelFormat, "magic number", "SNNM"),
        ["model-unknown-version"] = t => EvalModel(t, b => { byte[] c = (byte[])b.Clone(); c[4] = 9; ContainerFiles.FixChecksum(c); return c; }, ModelFormat, "format version is 9"),
        ["model-flipped-byte"] = t => EvalModel(t, b => { byte[] c = (byte[])b.Clone(); c[c.Length / 2] ^= 0x40; return c; }, ModelFormat, "SHA-256"),
        ["model-nan-weight"] = t => EvalEditedModel(t, tensors => tensors[0].Value.Data[7] = float.NaN, "\"0.weight\"", "non-finite", "NaN"),
        ["model-infinite-weight"] = t => EvalEditedModel(t, tensors => tensors[^1].Value.Data[0] = float.PositiveInfinity, "non-finite", "Infinity"),
        ["model-architecture-not-matching-weights"] = t => EvalEditedHeader(t, h => h["architecture"]![0]!["outChannels"] = 16, "architecture is inconsistent", "[16, 12, 12]"),
        ["model-lying-architecture"] = t => EvalEditedHeader(t, h => h["architecture"]![9]!["inFeatures"] = 100_000_000, "architecture"),
        ["model-is-a-checkpoint"] = t =>
        {
            string path = t.File("m.ckpt");
            SavedModel model = ModelFile.Load(SeedModel);
            var options = new TrainOptions(1, 50, "sgd", 0.1f, "constant", 1, 0.1f, 0f, 0.9f, false, false, 1);
            TrainingCheckpoint.Save(path, model, options.CreateOptimizer(), options, TrainingState.Start);
            return new(ModelFormat, ["eval", "--model", path, "--limit", "5"], path, "kind", "checkpoint");
        },
        ["model-missing-file"] = t => new(ModelFormat, ["eval", "--model", t.File("none.snnm")], "none.snnm", "cannot read"),

        // ---- SNN files ----
        ["snn-nan-threshold"] = t => SimulateEditedSnn(t, tensors => tensors.First(x => x.Name.EndsWith("thresholds")).Value.Data[0] = float.NaN, "threshold"),
        ["snn-is-a-model"] = t => new(ModelFormat, ["simulate", "--snn", SeedModel], SeedModel, "kind", "\"snn\""),
        ["snn-unknown-layer-type"] = t => SimulateEditedSnn(t, null, "layers[1].type", h => h["layers"]![1]!["type"] = "maxpool2d"),

        // ---- a reproduce folder to re-render (report) ----
        ["report-folder-without-results"] = t => new(ResultsFormat, ["report", t.Sub("empty-run")], "results.json", "no such file"),
        ["report-results-cut-short"] = t => new(ResultsFormat, ["report", Path.GetDirectoryName(t.Write("cut/results.json", CommittedResults()[..4000]))!],
            "results.json", "truncated or not JSON"),
        ["report-results-of-a-simulation"] = t => new(ResultsFormat, ["report", Path.GetDirectoryName(t.Write("sim/results.json", "{\"images\": 10}"u8.ToArray()))!],
            "results.json", "settings, run or methods"),

        // ---- the model does not fit the data ----
        ["wrong-image-size-for-model"] = t => new(Mismatch, ["eval", "--model", SeedModel, "--dataset", "cifar10", "--data-dir", TinyCifar(t)], "mnist-seed", "[1, 28, 28]", "[3, 32, 32]"),
        ["snn-wrong-image-size"] = t => new(Mismatch, ["simulate", "--snn", TinySnn(t), "--dataset", "mnist", "--data-dir", TinyMnist(t), "--timesteps", "4"], "[1, 6, 6]", "[1, 28, 28]"),
        ["onnx-class-count-differs"] = t => new(Mismatch, ["eval", "--onnx", Onnx(t, "three.onnx", ThreeClassOnnx()), "--dataset", "mnist", "--data-dir", TinyMnist(t)], "outputs 3 classes", "has 10"),

        // ---- options ----
        ["timesteps-zero"] = t => new(Usage, ["simulate", "--snn", TinySnn(t), "--timesteps", "0"], "--timesteps", "\"0\""),
        ["timesteps-negative"] = t => new(Usage, ["simulate", "--snn", TinySnn(t), "--timesteps=-4"], "--timesteps", "\"-4\""),
        ["unknown-method"] = t => new(Usage, ["convert", "--model", SeedModel, "--data-dir", TinyMnist(t), "--method", "max-voltage", "--out", t.File("s.snn")], "--method", "max-voltage"),
        ["calibration-with-zero-samples"] = t => new(Usage, ["convert", "--model", SeedModel, "--data-dir", TinyMnist(t), "--calib-samples", "0", "--out", t.File("s.snn")], "--calib-samples", "got 0"),
        ["unknown-dataset"] = t => new(Usage, ["eval", "--model", SeedModel, "--dataset", "imagenet"], "imagenet"),
        ["percentile-out-of-range"] = t => new(Usage, ["convert", "--model", SeedModel, "--data-dir", TinyMnist(t), "--percentile", "150", "--out", t.File("s.snn")], "--percentile", "150"),
        ["epochs-zero"] = t => new(Usage, ["train", "--model", "mnist-seed", "--epochs", "0", "--out", t.File("m.snnm")], "--epochs"),
        ["cutout-negative"] = t => new(Usage, ["train", "--model", "mnist-seed", "--cutout=-2", "--out", t.File("m.snnm")], "--cutout", "got -2"),
        ["label-smoothing-one"] = t => new(Usage, ["train", "--model", "mnist-seed", "--label-smoothing", "1", "--out", t.File("m.snnm")], "--label-smoothing", "[0, 1)"),

        // ---- options are checked before any model or data is read: the model file and the --data-dir given here are
        // broken, so reading either first would end in exit code 5 or 3 instead of the usage error ----
        ["convert-unknown-method-before-data"] = t => Early(t, ["convert", "--model", BrokenModel(t), "--method", "nonsense", "--out", t.File("s.snn")], "--method", "nonsense"),
        ["convert-unknown-reset-before-data"] = t => Early(t, ["convert", "--model", BrokenModel(t), "--reset", "sideways", "--out", t.File("s.snn")], "--reset", "sideways"),
        ["convert-unknown-maxpool-before-data"] = t => Early(t, ["convert", "--model", BrokenModel(t), "--maxpool", "maybe", "--out", t.File("s.snn")], "--maxpool", "maybe"),
        ["convert-zero-calib-steps-before-data"] = t => Early(t, ["convert", "--model", BrokenModel(t), "--calib-steps", "0", "--out", t.File("s.snn")], "--calib-steps", "got 0"),
        ["simulate-unknown-encoding-before-data"] = t => Early(t, ["simulate", "--snn", BrokenModel(t), "--encoding", "morse"], "--encoding", "morse"),
        ["simulate-zero-limit-before-data"] = t => Early(t, ["simulate", "--snn", BrokenModel(t), "--limit", "0"], "--limit", "got 0"),
        ["compare-unknown-method-before-data"] = t => Early(t, ["compare", "--model", BrokenModel(t), "--methods", "max-current,bogus"], "--method", "bogus"),
        ["compare-unknown-readout-before-data"] = t => Early(t, ["compare", "--model", BrokenModel(t), "--readout", "votes"], "--readout", "votes"),
        ["reproduce-zero-limit-before-data"] = t => Early(t, ["reproduce", "--dataset", "mnist", "--model", BrokenModel(t), "--limit", "0", "--out", t.Sub("out")], "--limit", "got 0"),
        ["train-zero-test-limit-before-data"] = t => Early(t, ["train", "--model", "mnist-seed", "--test-limit", "0", "--out", t.File("m.snnm")], "--test-limit", "got 0"),
        ["eval-unknown-split-before-data"] = t => Early(t, ["eval", "--model", SeedModel, "--split", "validation"], "split", "validation"),
        ["bench-bad-rate-sweep-before-measuring"] = t => Early(t, ["bench", "--model", "mnist-seed", "--rate-sweep", "0"], "--rate-sweep", "\"0\""),

        // ---- writing: only a regular file is replaced; a full disk is an io error (exit 11) ----
        ["export-onto-a-device"] = t => SpecialFiles.DeviceNode(t) is { } device
            ? new(Io, ["export", "--model", SeedModel, "--onnx", device], device, "character device", "not a regular file")
            // No device to test with: fail visibly (exit 1, not 11) rather than pass without having checked anything.
            : new(Io, []) { Body = () => throw new InvalidOperationException("no character device to export onto: root without mknod rights, or no /dev/full") },
        ["export-onto-a-fifo"] = t => new(Io, ["export", "--model", SeedModel, "--onnx", Fifo(t)], Fifo(t), "is a FIFO", "not a regular file"),
        ["export-onto-a-directory"] = t => new(Io, ["export", "--model", SeedModel, "--onnx", t.Sub("out.onnx")], t.Sub("out.onnx"), "is a directory"),
        ["write-with-the-disk-full"] = t => new(Io, [], "No space left on device", "report.md")
        {
            // ENOSPC as the file system reports it, from inside a write through the atomic writer (tests/.../AtomicFileTests
            // checks that the old file survives).
            Body = () => SnnConvert.IO.AtomicFile.Write(t.File("report.md"), s =>
            {
                s.Write(new byte[100_000]);
                throw new IOException($"No space left on device : '{t.File("report.md")}'", 28);
            }),
        },

        // ---- conversion ----
        ["maxpool-without-option"] = t => new(Conversion, ["convert", "--model", SaveModel(t, "max.snnm", MaxPoolModel()), "--data-dir", TinyMnist(t), "--calib-samples", "4", "--calib-steps", "2", "--out", t.File("s.snn")], "max pooling", "--maxpool average"),
        ["layer-whose-channels-never-fire"] = t => new(Conversion, ["convert", "--model", SaveModel(t, "dead.snnm", DeadLayerModel()), "--data-dir", TinyMnist(t), "--calib-samples", "4", "--calib-steps", "4", "--out", t.File("s.snn")], "dead-layer", "stage 0", "never fires"),

        // ---- ONNX ----
        ["onnx-unsupported-op"] = t => new(OnnxFormat, ["eval", "--onnx", Onnx(t, "sigmoid.onnx", SigmoidOnnx()), "--dataset", "mnist", "--data-dir", TinyMnist(t)], "sigmoid.onnx", "Sigmoid", "not supported"),
        ["onnx-corrupt"] = t => new(OnnxFormat, ["eval", "--onnx", Onnx(t, "bad.onnx", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), "--dataset", "mnist"], "bad.onnx", "protobuf"),
        ["onnx-empty"] = t => new(OnnxFormat, ["eval", "--onnx", Onnx(t, "empty.onnx", []), "--dataset", "mnist"], "empty.onnx", "empty"),
        ["onnx-nan-weight"] = t => new(OnnxFormat, ["eval", "--onnx", Onnx(t, "nan.onnx", SigmoidOnnx(nanWeight: true, op: "Relu")), "--dataset", "mnist"], "nan.onnx", "non-finite"),
        ["onnx-model-given-as-snnm"] = t => new(ModelFormat, ["eval", "--model", Onnx(t, "m.onnx", SigmoidOnnx(op: "Relu")), "--dataset", "mnist"], "m.onnx", "magic number"),
    };

    /// <summary>Every case by name.</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (string name in Cases.Keys) data.Add(name);
        return data;
    }

    [Fact]
    public void The_catalogue_has_at_least_thirty_cases_and_covers_every_input_category()
    {
        Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");
        var codes = Cases.Values.Select(c => c(_temp).ExitCode).ToHashSet();
        Assert.Equal(Categories.Keys.Order(), codes.Order());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Bad_input_gives_its_category_exit_code_and_a_message_naming_the_culprit(string name)
    {
        Case c = Cases[name](_temp);
        var (code, err) = c.Body is { } body ? CliInProcess.RunBody(body) : CliInProcess.Run(c.Args);
        output.WriteLine($"snnconvert {string.Join(" ", c.Args)}\n-> {code}\n{err}");
        Assert.Equal(c.ExitCode, code);
        Assert.Contains($"error ({Categories[c.ExitCode]})", err);
        foreach (string mention in c.Mentions) Assert.Contains(mention, err);
    }

    // ---- builders ----

    /// <summary>A command whose bad option must be reported before the broken --data-dir (and model) it also names are read.</summary>
    private static byte[] CommittedResults() => File.ReadAllBytes(RepositoryFiles.Path("docs/results/fmnist-seed/results.json"));

    private static Case Early(TempDirectory t, string[] args, params string[] mentions) => new(Usage, [.. args, "--data-dir", BrokenMnist(t)], mentions);

    /// <summary>A file that no reader accepts, given where a model or SNN file is expected.</summary>
    private static string BrokenModel(TempDirectory t) => t.Write("broken.snnm", "not a model"u8.ToArray());

    /// <summary>A --data-dir whose MNIST files are all found by name and all garbage (reading them is a data-format error).</summary>
    private static string BrokenMnist(TempDirectory t)
    {
        string folder = t.Sub("broken-data", "mnist");
        foreach (string split in new[] { "train", "test" })
        foreach (string name in new[] { MnistFamilyLoader.ImagesFileName(split), MnistFamilyLoader.LabelsFileName(split) })
            File.WriteAllBytes(Path.Combine(folder, name), "garbage"u8.ToArray());
        return t.Sub("broken-data");
    }

    private static string Fifo(TempDirectory t) => SpecialFiles.Fifo(t.File("pipe.onnx"));

    private static byte[] Gz(byte[] data, bool gzip) => gzip ? TestData.Gzip(data) : data;

    /// <summary>eval of the bundled MNIST model on a --data-dir whose MNIST test files are given (10 valid 28x28 images by default).</summary>
    private static Case MnistImages(TempDirectory t, byte[] images, bool gzip, params string[] mentions) => EvalMnist(t, images, null, gzip, mentions);

    private static Case MnistLabels(TempDirectory t, byte[] labels, params string[] mentions) => EvalMnist(t, null, labels, false, mentions);

    private static Case EvalMnist(TempDirectory t, byte[]? images, byte[]? labels, bool gzip, string[] mentions)
    {
        string folder = t.Sub("data", "mnist");
        TestData.WriteIdxDataset(folder, size: 28, trainCount: 10, testCount: 10, gzip: false);
        string suffix = gzip ? ".gz" : "";
        if (images is not null)
        {
            File.Delete(Path.Combine(folder, MnistFamilyLoader.ImagesFileName("test")));
            File.WriteAllBytes(Path.Combine(folder, MnistFamilyLoader.ImagesFileName("test") + suffix), images);
        }
        if (labels is not null) File.WriteAllBytes(Path.Combine(folder, MnistFamilyLoader.LabelsFileName("test")), labels);
        return new(DataFormat, ["eval", "--model", SeedModel, "--data-dir", t.Sub("data")], mentions);
    }

    private static Case EvalCifarFolder(TempDirectory t, byte[] batch, string mention, string field, string? found = null, string? meta = null)
    {
        string folder = t.Sub("data", "cifar-10-batches-bin");
        foreach (string name in Cifar10Reader.BatchFileNames("train")) File.WriteAllBytes(Path.Combine(folder, name), TestData.CifarBatch(1, 0));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), batch);
        if (meta is not null) File.WriteAllText(Path.Combine(folder, Cifar10Reader.MetaFileName), meta);
        string[] mentions = found is null ? [mention, field] : [mention, field, found];
        return new(DataFormat, ["eval", "--model", SeedModel, "--dataset", "cifar10", "--data-dir", t.Sub("data")], mentions);
    }

    private static byte[] Archive() => TestData.TarGz(("cifar-10-batches-bin/test_batch.bin", TestData.CifarBatch(1, 1, 2, 3)));

    private static Case EvalCifarArchive(TempDirectory t, byte[] archive, params string[] mentions)
    {
        string path = t.Write("data/cifar-10-binary.tar.gz", archive);
        return new(DataFormat, ["eval", "--model", SeedModel, "--dataset", "cifar10", "--data-dir", t.Sub("data")], [path, .. mentions]);
    }

    private static Case EvalModel(TempDirectory t, Func<byte[], byte[]> damage, int code, params string[] mentions)
    {
        string path = t.Write("damaged.snnm", damage(File.ReadAllBytes(SeedModel)));
        return new(code, ["eval", "--model", path, "--limit", "5"], [path, .. mentions]);
    }

    private static Case EvalEditedModel(TempDirectory t, Action<List<(string Name, SnnConvert.Tensors.Tensor Value)>> edit, params string[] mentions)
    {
        string path = t.File("edited.snnm");
        File.Copy(SeedModel, path, overwrite: true);
        ContainerFiles.Rewrite(path, editTensors: edit);
        return new(ModelFormat, ["eval", "--model", path, "--limit", "5"], [path, .. mentions]);
    }

    private static Case EvalEditedHeader(TempDirectory t, Action<JsonObject> edit, params string[] mentions)
    {
        string path = t.File("edited.snnm");
        File.Copy(SeedModel, path, overwrite: true);
        ContainerFiles.Rewrite(path, editHeader: edit);
        return new(ModelFormat, ["eval", "--model", path, "--limit", "5"], [path, .. mentions]);
    }

    private static Case SimulateEditedSnn(TempDirectory t, Action<List<(string Name, SnnConvert.Tensors.Tensor Value)>>? edit, string mention, Action<JsonObject>? editHeader = null)
    {
        string path = TinySnn(t);
        ContainerFiles.Rewrite(path, editHeader, edit);
        return new(ModelFormat, ["simulate", "--snn", path, "--timesteps", "4"], path, mention);
    }

    /// <summary>A --data-dir holding MNIST files of 10 train and 10 test images.</summary>
    private static string TinyMnist(TempDirectory t)
    {
        string root = t.Sub("tiny-mnist");
        TestData.WriteIdxDataset(Path.Combine(root, "mnist"), size: 28, trainCount: 10, testCount: 10, gzip: false);
        return root;
    }

    /// <summary>A --data-dir holding a CIFAR-10 batches folder of one record per batch.</summary>
    private static string TinyCifar(TempDirectory t)
    {
        string folder = t.Sub("tiny-cifar", "cifar-10-batches-bin");
        foreach (string name in Cifar10Reader.BatchFileNames("train").Concat(Cifar10Reader.BatchFileNames("test")))
            File.WriteAllBytes(Path.Combine(folder, name), TestData.CifarBatch(1, 3));
        return t.Sub("tiny-cifar");
    }

    /// <summary>A valid SNN file (the dyadic template on 1x6x6 inputs, with thresholds) for the option cases.</summary>
    private static string TinySnn(TempDirectory t)
    {
        string path = t.File("tiny.snn");
        SpikingNetwork net = TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 3), [0.5f, 0.5f, 0.5f], [0.5f], [0.5f]);
        SnnFile.Save(path, net with { Dataset = "mnist" });
        return path;
    }

    private static string SaveModel(TempDirectory t, string name, Network network)
    {
        string path = t.File(name);
        ModelFile.Save(path, new SavedModel(network, "mnist", Enumerable.Range(0, 10).Select(i => $"{i}").ToArray(), new JsonObject()));
        return path;
    }

    private static Network MaxPoolModel() => new("with-maxpool",
        [new Conv2dSpec(1, 2, 5, 4), new ReluSpec(), new MaxPool2dSpec(2), new FlattenSpec(), new LinearSpec(18, 10)], [1, 28, 28], new Random(1));

    /// <summary>A CNN whose first conv has only negative weights and biases: on pixels in [0, 1] its ReLU is always zero.</summary>
    private static Network DeadLayerModel()
    {
        var net = new Network("dead-layer", [new Conv2dSpec(1, 2, 5, 4, Bias: true), new ReluSpec(), new FlattenSpec(), new LinearSpec(72, 10)], [1, 28, 28], new Random(1));
        foreach (var (name, value) in net.StateTensors)
            if (name.StartsWith("0.", StringComparison.Ordinal))
                for (int i = 0; i < value.Length; i++) value.Data[i] = -0.1f - Math.Abs(value.Data[i]);
        return net;
    }

    private static string Onnx(TempDirectory t, string name, byte[] bytes) => t.Write(name, bytes);

    /// <summary>Conv 1->2 5x5 stride 4 on (N, 1, 28, 28), then <paramref name="op"/>, flatten and a dense 72->10.</summary>
    private static byte[] SigmoidOnnx(bool nanWeight = false, string op = "Sigmoid")
    {
        var g = new TestGraph([null, 1, 28, 28]);
        float[]? weights = nanWeight ? Enumerable.Range(0, 50).Select(i => i == 3 ? float.NaN : 0.1f).ToArray() : null;
        string conv = g.Node("Conv", ["x", g.Init("w", [2, 1, 5, 5], values: weights)], TestGraph.Ints("strides", 4, 4));
        string act = g.Node(op, [conv]);
        string dense = g.Node("Gemm", [g.Node("Flatten", [act]), g.Init("dense", [10, 72])], TestGraph.Int("transB", 1));
        return g.Build(dense, [null, 10]);
    }

    private static byte[] ThreeClassOnnx()
    {
        var g = new TestGraph([null, 1, 28, 28]);
        string conv = g.Node("Relu", [g.Node("Conv", ["x", g.Init("w", [2, 1, 5, 5])], TestGraph.Ints("strides", 4, 4))]);
        return g.Build(g.Node("Gemm", [g.Node("Flatten", [conv]), g.Init("dense", [3, 72])], TestGraph.Int("transB", 1)), [null, 3]);
    }
}
