using SnnConvert.Reporting;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary><c>snnconvert report DIR</c> writes a reproduction folder's report and plots again from its results.json.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ReportCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_committed_pages_report_is_written_again_byte_for_byte_with_its_plots()
    {
        // docs/results/fmnist-seed was written by this code from its results.json: report must give the same report.md.
        string committed = RepositoryFiles.Path("docs/results/fmnist-seed");
        string dir = _temp.Sub("run");
        File.Copy(Path.Combine(committed, ReproductionOutput.ResultsFile), Path.Combine(dir, ReproductionOutput.ResultsFile));
        var (code, err) = CliInProcess.Run("report", dir);
        Assert.True(code == 0, err);
        Assert.Equal(File.ReadAllText(Path.Combine(committed, ReproductionOutput.ReportFile)), File.ReadAllText(Path.Combine(dir, ReproductionOutput.ReportFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(committed, ReproductionOutput.ResultsFile)), File.ReadAllBytes(Path.Combine(dir, ReproductionOutput.ResultsFile)));
        foreach (string png in new[] { "accuracy-vs-T.png", "firing-rate.png", "thresholds.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.True(bytes.Length > 10_000, $"{png}: {bytes.Length} bytes");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }
}
