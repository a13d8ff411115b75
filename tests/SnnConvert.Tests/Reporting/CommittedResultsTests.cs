using SnnConvert.Reporting;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>The reports committed under docs/results/ say what their results.json holds.</summary>
public sealed class CommittedResultsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Datasets() => new() { "mnist", "fmnist", "cifar10" };

    [Theory]
    [MemberData(nameof(Datasets))]
    public void Report_md_is_rendered_from_results_json(string dataset)
    {
        string folder = RepositoryFiles.Path($"docs/results/{dataset}");
        string json = File.ReadAllText(Path.Combine(folder, ReproductionOutput.ResultsFile));
        ReproductionReport report = ReproductionReport.FromJson(json);
        Assert.Equal(dataset, report.Dataset);

        // Rendering the JSON again gives the committed report.md byte for byte, so every number in it is the JSON's.
        ReproductionOutput.Write(report, _temp.Path);
        Assert.Equal(File.ReadAllText(Path.Combine(_temp.Path, ReproductionOutput.ReportFile)), File.ReadAllText(Path.Combine(folder, ReproductionOutput.ReportFile)));
        foreach (string plot in new[] { ReproductionPlots.AccuracyFile, ReproductionPlots.FiringRateFile, ReproductionPlots.ThresholdsFile })
            Assert.True(File.Exists(Path.Combine(folder, plot)), $"{dataset}: {plot} is missing");

        // Consistency of what the JSON says: accuracies in range, loss = CNN - SNN, activity where there are spikes.
        Assert.InRange(report.CnnAccuracy, 0, 100);
        foreach (MethodResult method in report.Methods)
            foreach (var row in method.Report.Rows)
            {
                Assert.InRange(row.Accuracy, 0, 100);
                Assert.Equal((method.Cnn?.Accuracy ?? report.CnnAccuracy) - row.Accuracy, row.ConversionLoss!.Value, 9);   // a qcfs row: its own CNN
            }
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public void The_summary_page_quotes_the_reports_accuracy_table(string dataset)
    {
        string folder = RepositoryFiles.Path("docs/results");
        ReproductionReport report = ReproductionReport.FromJson(File.ReadAllText(Path.Combine(folder, dataset, ReproductionOutput.ResultsFile)));
        string summary = File.ReadAllText(Path.Combine(folder, dataset + ".md"));
        Assert.Contains($"{report.CnnAccuracy:F2} %", summary);
        // Every accuracy of the seed method at every T appears in the summary's table.
        MethodResult seed = report.Methods.First(m => m.Label == "max-current");
        foreach (var row in seed.Report.Rows) Assert.Contains($"{row.Accuracy:F2}", summary);
    }
}
