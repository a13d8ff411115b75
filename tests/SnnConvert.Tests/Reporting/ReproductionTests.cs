using System.Globalization;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Tests.Cli;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>reproduce on a small subset, in-process through the library and once through the CLI: files, and numbers that agree.</summary>
public sealed class ReproductionTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string _dir => _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Library_run_writes_a_consistent_report()
    {
        string modelPath = RepositoryFiles.Path("models/mnist-seed.snnm");
        SavedModel cnn = ModelFile.Load(modelPath);
        ImageDataset train = DatasetLoader.Load("mnist", "train", null);
        ImageDataset test = DatasetLoader.Load("mnist", "test", null).Take(300);
        var options = new ReproductionOptions(MethodVariant.Build(SnnConvert.Conversion.ThresholdMethods.Names, variants: true, bothSeedForms: true), [1, 2, 4, 8],
            InputEncoding.Direct, CalibrationSamples: 500, CalibrationSteps: 16);

        ReproductionReport report = ReproductionRun.Run(cnn, modelPath, "mnist", train, test, options, command: "test");
        ReproductionOutput.Write(report, _dir);

        AssertFolder(_dir, report, expectedMethods: 7);   // five methods, max-current as written, max-current p99.9
        Assert.Equal(Evaluator.Evaluate(cnn.Network, test).AccuracyPercent, report.CnnAccuracy, 9);
        Assert.Equal(500, report.Settings.CalibrationImages);
        Assert.Contains(report.Methods, m => m.Label == "max-current" && m.RescaleInputs);
        Assert.Contains(report.Methods, m => m.Label == MethodVariant.AsWrittenLabel && m.Method == "max-current" && !m.RescaleInputs);
        Assert.Contains(report.Methods, m => m.Label == MethodVariant.Percentile999Label && m.Percentile == 99.9);
        foreach (var m in report.Methods)
        {
            Assert.NotEmpty(m.Thresholds);
            Assert.All(m.Thresholds, t => Assert.Equal(t.Count, t.Values.Count));
        }
    }

    [Fact]
    public void CLI_reproduce_writes_the_same_folder()
    {
        string out_ = Path.Combine(_dir, "cli");
        var (code, _, err) = CliProcess.Run(120, "reproduce", "--dataset", "mnist", "--model", RepositoryFiles.Path("models/mnist-seed.snnm"),
            "--limit", "100", "--calib-samples", "200", "--calib-steps", "8", "--timesteps", "1,2,4,8", "--methods", "max-current,percentile", "--out", out_);
        Assert.True(code == 0, err);
        // max-current both ways, percentile, max-current p99.9, and MNIST's default low-latency rows at T = 2, 4, 8.
        var report = AssertFolder(out_, null, expectedMethods: 10);
        Assert.Equal(["max-current target-T 2", "low-latency T=2", "max-current target-T 4", "low-latency T=4", "max-current target-T 8", "low-latency T=8"],
            report.Methods.Skip(4).Select(m => m.Label));
        Assert.Contains("snnconvert reproduce --dataset mnist", report.Run.Command);
    }

    [Fact]
    public void A_missing_bundled_model_is_a_setting_error_naming_the_file_and_the_way_out()
    {
        var e = Assert.Throws<InvalidSettingException>(() => BundledModels.Find(ModelZoo.Find("cifar10-vgg")!, [_dir]));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("models/cifar10-vgg.snnm", e.Message);
        Assert.Equal(SettingNames.Model, e.Setting);
        Assert.Contains("name a model file, or train cifar10-vgg with its recipe first", e.Message);
        Directory.CreateDirectory(Path.Combine(_dir, "models"));
        File.WriteAllText(Path.Combine(_dir, "models", "cifar10-vgg.snnm"), "");
        Assert.Equal(Path.Combine(_dir, "models", "cifar10-vgg.snnm"), BundledModels.Find(ModelZoo.Find("cifar10-vgg")!, [Path.Combine(_dir, "models")]));
    }

    // The folder's files exist and results.json agrees with itself and with report.md.
    private static ReproductionReport AssertFolder(string folder, ReproductionReport? inMemory, int expectedMethods)
    {
        foreach (string png in new[] { ReproductionPlots.AccuracyFile, ReproductionPlots.FiringRateFile, ReproductionPlots.ThresholdsFile })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder, png));
            Assert.True(bytes.Length > 5000, $"{png}: {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        }
        var report = ReproductionReport.FromJson(File.ReadAllText(Path.Combine(folder, ReproductionOutput.ResultsFile)));
        if (inMemory is not null) Assert.Equal(inMemory.ToJson(), report.ToJson());
        Assert.Equal(expectedMethods, report.Methods.Count);
        Assert.InRange(report.CnnAccuracy, 0, 100);
        foreach (var m in report.Methods)
        {
            Assert.Equal(report.Settings.Timesteps, m.Report.Rows.Select(r => r.T));
            foreach (var row in m.Report.Rows)
            {
                Assert.InRange(row.Accuracy, 0, 100);
                Assert.Equal((m.Cnn?.Accuracy ?? report.CnnAccuracy) - row.Accuracy, row.ConversionLoss!.Value, 9);   // a qcfs row: its own CNN
            }
            Assert.True(m.Report.Rows[^1].SynOpsPerImage > 0, m.Label);
        }

        string md = File.ReadAllText(Path.Combine(folder, ReproductionOutput.ReportFile));
        foreach (string png in new[] { ReproductionPlots.AccuracyFile, ReproductionPlots.FiringRateFile, ReproductionPlots.ThresholdsFile })
            Assert.Contains($"]({png})", md);
        Assert.Contains("## Thresholds per layer", md);
        var table = MarkdownTable(md, "## SNN accuracy (%) versus T");
        Assert.Equal(["T", .. report.Methods.Select(m => m.Label)], table[0]);
        Assert.Equal(report.Settings.Timesteps.Count, table.Count - 1);
        for (int i = 0; i < report.Settings.Timesteps.Count; i++)
            for (int j = 0; j < report.Methods.Count; j++)
                Assert.Equal(Math.Round(report.Methods[j].Report.Rows[i].Accuracy, 2), double.Parse(table[i + 1][j + 1], CultureInfo.InvariantCulture));
        return report;
    }

    // The cells of the table under heading, header row first, without the separator row and bold markers.
    private static List<string[]> MarkdownTable(string md, string heading)
    {
        var lines = md.ReplaceLineEndings("\n").Split('\n').SkipWhile(l => l != heading).Skip(1).SkipWhile(string.IsNullOrWhiteSpace)
            .TakeWhile(l => l.StartsWith('|')).Where(l => !l.StartsWith("|---"));
        return lines.Select(l => l.Trim('|').Split('|').Select(c => c.Trim().Replace("**", "")).ToArray()).ToList();
    }
}
