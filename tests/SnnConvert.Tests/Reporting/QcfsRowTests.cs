using System.Globalization;
using System.Text.Json.Nodes;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Tests.Conversion;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>
/// The qcfs row of a reproduction (issue 19): the QCFS version of the CNN converted with the qcfs method, compared with
/// its own CNN; runs without one unchanged.
/// </summary>
public sealed class QcfsRowTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // mnist-seed and its QCFS version with L = 1 (coarse, so that its CNN's accuracy differs from the ReLU CNN's).
    private static (SavedModel Relu, SavedModel Qcfs, ImageDataset Train, ImageDataset Test) Models()
    {
        SavedModel relu = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null);
        SavedModel qcfs = QcfsRealModelTests.QcfsVersion(relu, train.Take(200), perChannel: true, levels: 1);
        return (relu, qcfs, train, DatasetLoader.Load("mnist", "test", null).Take(100));
    }

    [Fact]
    public void The_qcfs_row_converts_the_QCFS_CNN_and_is_compared_with_it_while_the_other_rows_are_unchanged()
    {
        var (relu, qcfs, train, test) = Models();
        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false), [1, 2, 4, 8], CalibrationSamples: 64, CalibrationSteps: 8,
            BatchSize: 25);
        ReproductionOptions withRow = QcfsRow.Add(options, relu, qcfs, "q.snnm");

        ReproductionReport plain = ReproductionRun.Run(relu, "m.snnm", "mnist", train, test, options, command: "test");
        ReproductionReport report = ReproductionRun.Run(relu, "m.snnm", "mnist", train, test, withRow, command: "test");

        Assert.Equal(["max-current", "qcfs L=1"], report.Methods.Select(m => m.Label));
        MethodResult row = report.Methods[1];
        Assert.Equal("qcfs", row.Method);
        var (qcfsPredictions, qcfsAccuracy) = Evaluator.Reference(qcfs.Network, test);
        double reluAccuracy = Evaluator.Evaluate(relu.Network, test).AccuracyPercent;
        Assert.NotEqual(reluAccuracy, qcfsAccuracy);
        Assert.Equal(reluAccuracy, report.CnnAccuracy, 9);
        Assert.Equal(new MethodCnn("q.snnm", qcfs.Network.Name, ModelDigest.Sha256(qcfs), qcfsAccuracy), row.Cnn);
        Assert.Equal(qcfsAccuracy, row.Report.CnnAccuracy);

        // The row is the qcfs conversion of the QCFS CNN simulated against that CNN's predictions, computed here directly.
        var (snn, _) = SnnConverter.Convert(qcfs, new ConversionOptions { Method = new QcfsThresholds() }, train.Take(1));
        SimulationResult direct = SnnSimulator.Run(snn, test, new SimulationOptions(8, BatchSize: 25), qcfsPredictions, qcfs.Network.Macs);
        foreach (TimestepRow r in row.Report.Rows)
        {
            Assert.Equal(direct.Accuracy(r.T), r.Accuracy);
            Assert.Equal(direct.Agreement(r.T), r.Agreement);
            Assert.Equal(qcfsAccuracy - r.Accuracy, r.ConversionLoss!.Value, 12);
            Assert.Equal(direct.EnergyMicrojoules(r.T), r.EnergyMicrojoules);
        }
        Assert.Equal(report.CnnEnergyMicrojoules, row.Report.CnnEnergyMicrojoules);   // the same architecture: the same CNN energy

        // The other row is the run without the QCFS model's, and so are the report's CNN fields.
        JsonNode Untimed(MethodResult m) { var j = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(m, ReproductionReport.Json))!; j["calibrationSeconds"] = 0; j["simulationSeconds"] = 0; return j; }
        Assert.Equal(Untimed(plain.Methods[0]).ToJsonString(), Untimed(report.Methods[0]).ToJsonString());
        Assert.Equal((plain.CnnAccuracy, plain.CnnMacsPerImage, plain.CnnEnergyMicrojoules), (report.CnnAccuracy, report.CnnMacsPerImage, report.CnnEnergyMicrojoules));
        Assert.DoesNotContain("\"cnn\"", plain.ToJson());
        Assert.Contains("\"cnn\": {", report.ToJson());

        // The report: the legend, the side-by-side table (best standard row against the qcfs row per T) and the sentences.
        string md = ReproductionMarkdown.Render(report, []);
        string plainMd = ReproductionMarkdown.Render(plain, []);
        Assert.DoesNotContain("QCFS", plainMd);
        Assert.Contains($"QCFS CNN of qcfs L=1: **{qcfsAccuracy.ToString("F2", CultureInfo.InvariantCulture)} %**", md);
        Assert.Contains("Row qcfs L=1 converts another CNN: `q.snnm`", md);
        var table = Table(md, "## Standard CNN versus QCFS CNN conversion");
        Assert.Equal(["T", "best standard conversion", "accuracy %", "loss", "energy / CNN", "qcfs L=1 accuracy %", "loss", "energy / CNN"], table[0]);
        for (int i = 0; i < 4; i++)
        {
            TimestepRow s = report.Methods[0].Report.Rows[i], q = row.Report.Rows[i];
            Assert.Equal([s.T.ToString(CultureInfo.InvariantCulture), "max-current", F(s.Accuracy), F(s.ConversionLoss!.Value),
                F(s.EnergyMicrojoules / report.CnnEnergyMicrojoules), F(q.Accuracy), F(q.ConversionLoss!.Value), F(q.EnergyMicrojoules / report.CnnEnergyMicrojoules)], table[i + 1]);
        }
        Assert.Contains("Equal accuracy: within 0.5 points of the SNN's own CNN", md);
        Assert.Contains("- Standard CNN: ", md);
        Assert.Contains("- qcfs L=1: ", md);
    }

    [Fact]
    public void The_first_T_at_equal_accuracy_and_lower_energy_is_named_or_its_absence_said()
    {
        // Hand-made rows: standard SNN within 0.5 points from T = 4 but dearer than the CNN until T = 8 is not reached;
        // the qcfs SNN within 0.5 points of its CNN and cheaper from T = 2.
        static MethodResult Row(string label, double cnn, MethodCnn? own, params (int T, double Accuracy, double Energy)[] rows) => new(label, "m", null, null, true, 0, 0, [], [],
            new SimulationReport(10, "direct", cnn, 1000, 10, [.. rows.Select(r => new TimestepRow(r.T, r.Accuracy, cnn - r.Accuracy, null, 0, 0, 0, r.Energy))], []), Cnn: own);
        var standard = Row("max-current", 99, null, (1, 50, 1), (2, 90, 5), (4, 98.6, 12), (8, 99, 20));
        var qcfs = Row("qcfs L=4", 98, new MethodCnn("q", "n", "s", 98), (1, 80, 1), (2, 97.6, 4), (4, 98.2, 8), (8, 98.1, 16));
        var report = new ReproductionReport(1, "mnist", "m", "n", new ReproductionSettings(10, 10, 8, [1, 2, 4, 8], "direct", 1, 10), 99, 1000, 10,
            [standard, qcfs], new RunInfo("", "", 1, "", "", "", null, 0, 0));
        var sb = new System.Text.StringBuilder();

        QcfsSideBySide.Append(sb, report);

        string md = sb.ToString();
        Assert.Contains("- Standard CNN: as accurate from T = 4 (max-current), but never cheaper at equal accuracy at the T of this run (1.20 times the CNN's energy at T = 4).", md);
        Assert.Contains("- qcfs L=4: as accurate and cheaper from T = 2 (qcfs L=4: 97.60 %, 0.40 times the CNN's energy); against the standard CNN's 99.00 %: " +
                        "never as accurate at the T of this run.", md);
        var empty = new System.Text.StringBuilder();
        QcfsSideBySide.Append(empty, report with { Methods = [standard] });
        Assert.Equal("", empty.ToString());
    }

    [Fact]
    public void A_model_that_is_not_the_QCFS_version_of_the_CNN_or_a_run_it_cannot_be_simulated_in_is_refused()
    {
        SavedModel relu = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false), [1, 2]);
        var e = Assert.Throws<InvalidSettingException>(() => QcfsRow.Create(relu, relu, "r.snnm", options));
        Assert.Equal(SettingNames.QcfsModel, e.Setting);
        Assert.Contains("no QCFS activation", e.Message);

        var tiny = new Network("tiny-qcfs", [new FlattenSpec(), new LinearSpec(784, 16), new QcfsSpec(4), new LinearSpec(16, 10)], [1, 28, 28], new Random(1));
        SavedModel other = relu with { Network = tiny };
        Assert.Contains("is not mnist-seed with QCFS activations", Assert.Throws<InvalidSettingException>(() => QcfsRow.Create(relu, other, "t.snnm", options)).Message);

        SavedModel qcfs = relu with { Network = new Network("q", [.. relu.Network.Architecture.Select(s => s is ReluSpec ? new QcfsSpec(8) : s)], relu.Network.InputShape, new Random(1)) };
        Assert.Null(QcfsRow.Problem(relu, qcfs, options));
        Assert.Equal("qcfs L=8", QcfsRow.Create(relu, qcfs, "q.snnm", options).Label);
        Assert.Contains("soft-reset", QcfsRow.Problem(relu, qcfs, options with { Readout = Readout.SpikeCount }));
        Assert.Contains("soft-reset", QcfsRow.Problem(relu, qcfs, options with { Neuron = new NeuronModel(ResetMode.Hard) }));

        // A run of the qcfs row alone has no row on its CNN to report: refused as a run without methods.
        var alone = options with { Methods = [QcfsRow.Create(relu, qcfs, "q.snnm", options)] };
        Assert.Equal(SettingNames.ThresholdMethods, Assert.Throws<InvalidSettingException>(alone.Validate).Setting);
    }

    [Fact]
    public void The_bundled_QCFS_model_is_the_one_beside_the_bundled_CNN()
    {
        ZooModel zoo = ModelZoo.Find("fmnist-net")!;
        string models = _temp.Sub("models"), cnn = Path.Combine(models, "fmnist-net.snnm");
        File.WriteAllText(cnn, "");
        Assert.Null(BundledModels.TryFindQcfs(zoo, cnn));
        File.WriteAllText(Path.Combine(models, "fmnist-net-qcfs.snnm"), "");
        Assert.Equal(Path.Combine(models, "fmnist-net-qcfs.snnm"), BundledModels.TryFindQcfs(zoo, cnn));
        Assert.Equal("models/fmnist-net-qcfs.snnm", BundledModels.QcfsRelativePath(zoo));
    }

    [Fact]
    public void The_committed_results_read_and_write_back_byte_for_byte_with_a_cnn_field_only_on_the_qcfs_row()
    {
        // Pages made before the QCFS row (mnist, cifar10 at the time of writing) have no "cnn" field at all; the
        // Fashion-MNIST page has it on its QCFS row only, with that CNN's own accuracy.
        foreach (string dataset in new[] { "mnist", "fmnist", "cifar10" })
        {
            string json = File.ReadAllText(RepositoryFiles.Path($"docs/results/{dataset}/results.json"));
            ReproductionReport report = ReproductionReport.FromJson(json);
            Assert.All(report.Methods, m => Assert.Equal(m.Method == "qcfs", m.Cnn is not null));
            Assert.All(report.Methods.Where(m => m.Cnn is not null), m => Assert.Equal(m.Cnn!.Accuracy, m.Report.CnnAccuracy));
            Assert.Equal(json.TrimEnd(), report.ToJson());
        }
        Assert.Contains(ReproductionReport.FromJson(File.ReadAllText(RepositoryFiles.Path("docs/results/fmnist/results.json"))).Methods, m => m.Cnn is not null);
    }

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    // The cells of the table under heading, header row first, without the separator row and bold markers.
    private static List<string[]> Table(string md, string heading) =>
        [.. md.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l != heading).Skip(1).SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|')).Where(l => !l.StartsWith("|---")).Select(l => l.Trim('|').Split('|').Select(c => c.Trim().Replace("**", "")).ToArray())];
}
