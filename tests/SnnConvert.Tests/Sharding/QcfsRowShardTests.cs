using System.Text.Json.Nodes;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Tests.Conversion;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Sharding;

/// <summary>
/// reproduce with a QCFS model (<c>--qcfs-model</c>): its row reports the QCFS CNN's accuracy; sharded by images on one
/// calibration, or by methods, and merged, it is the unsharded run to the bit; a calibration or a shard of another
/// QCFS model is refused.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class QcfsRowShardTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // mnist-seed's QCFS version (L = 4, lambda per channel or per layer) written to a file.
    private string QcfsModel(string name, bool perChannel)
    {
        SavedModel relu = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        string path = _dir.File(name);
        ModelFile.Save(path, QcfsRealModelTests.QcfsVersion(relu, DatasetLoader.Load("mnist", "train", null).Take(200), perChannel, levels: 4));
        return path;
    }

    [Fact]
    public void Shards_of_a_run_with_a_qcfs_row_merge_to_the_unsharded_report_and_another_QCFS_model_is_refused()
    {
        string model = QcfsModel("q.snnm", perChannel: true);
        string[] settings = [.. ReproduceShardTests.Settings, "--qcfs-model", model];
        string full = _dir.Sub("full"), conv = _dir.Sub("conv");
        var (code, err) = CliInProcess.Run(["reproduce", .. settings, "--out", full]);
        Assert.True(code == 0, err);
        JsonNode results = JsonNode.Parse(File.ReadAllText(Path.Combine(full, ReproductionOutput.ResultsFile)))!;
        JsonNode[] methods = [.. results["methods"]!.AsArray().Select(m => m!)];
        Assert.Equal(["max-current", MethodVariant.AsWrittenLabel, "max-activation", "qcfs L=4"], methods.Select(m => m["label"]!.GetValue<string>()));
        Assert.All(methods.Take(3), m => Assert.Null(m["cnn"]));
        SavedModel qcfs = ModelFile.Load(model);
        double accuracy = Evaluator.Evaluate(qcfs.Network, DatasetLoader.Load("mnist", "test", null).Take(20)).AccuracyPercent;
        Assert.Equal(accuracy, methods[3]["cnn"]!["accuracy"]!.GetValue<double>(), 12);
        Assert.Equal(model, methods[3]["cnn"]!["model"]!.GetValue<string>());
        Assert.Equal(accuracy, methods[3]["report"]!["cnnAccuracy"]!.GetValue<double>(), 12);
        Assert.Contains("## Standard CNN versus QCFS CNN conversion", File.ReadAllText(Path.Combine(full, ReproductionOutput.ReportFile)));

        // Calibrated once, two image shards loading it, merged.
        (code, err) = CliInProcess.Run(["reproduce", .. settings, "--calibrate-only", "--conversions", conv]);
        Assert.True(code == 0, err);
        ReproduceShardTests.AssertShardsMergeTo(full, settings, conv, _dir);
        string byMethods = _dir.Sub("by-methods");   // where it wrote the three method shards

        // Another QCFS model: its run does not load this calibration, and its shard does not merge with these.
        string other = QcfsModel("layer.snnm", perChannel: false);
        string[] otherSettings = [.. ReproduceShardTests.Settings, "--qcfs-model", other];
        (code, err) = CliInProcess.Run(["reproduce", .. otherSettings, "--conversions", conv, "--out", _dir.Sub("o")]);
        Assert.Equal(12, code);
        Assert.Contains("methods", err);
        string otherParts = _dir.Sub("other-parts");
        (code, err) = CliInProcess.Run(["reproduce", .. otherSettings, "--shard", "2/3", "--shard-by", "methods", "--out", otherParts]);
        Assert.True(code == 0, err);
        (code, err) = CliInProcess.Run(["merge", _dir.Sub("bad"), .. Directory.GetFiles(byMethods, "partial-*.json").Where(f => !f.EndsWith("partial-2-of-3.json")),
            Path.Combine(otherParts, "partial-2-of-3.json")]);
        Assert.Equal(12, code);
        Assert.Contains("row models", err);

        // --qcfs-model none: no row, and the output of a run without a QCFS model.
        (code, err) = CliInProcess.Run(["reproduce", .. ReproduceShardTests.Settings, "--qcfs-model", "none", "--out", _dir.Sub("none")]);
        Assert.True(code == 0, err);
        Assert.DoesNotContain("qcfs", File.ReadAllText(Path.Combine(_dir.Sub("none"), ReproductionOutput.ResultsFile)));
        Assert.DoesNotContain("QCFS", File.ReadAllText(Path.Combine(_dir.Sub("none"), ReproductionOutput.ReportFile)));
    }

    [Fact]
    public void A_QCFS_model_for_all_datasets_or_one_that_is_not_the_CNN_s_is_a_usage_error()
    {
        var (code, err) = CliInProcess.Run(["reproduce", "--dataset", "all", "--qcfs-model", "q.snnm", "--out", _dir.Sub("a")]);
        Assert.Equal(2, code);
        Assert.Contains("--qcfs-model", err);
        (code, err) = CliInProcess.Run(["reproduce", .. ReproduceShardTests.Settings, "--qcfs-model", RepositoryFiles.Path("models/mnist-seed.snnm"), "--out", _dir.Sub("b")]);
        Assert.Equal(2, code);
        Assert.Contains("--qcfs-model: ", err);
        Assert.Contains("no QCFS activation", err);
    }
}
