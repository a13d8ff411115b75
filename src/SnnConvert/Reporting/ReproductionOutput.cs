using SnnConvert.IO;

namespace SnnConvert.Reporting;

/// <summary>Writes a reproduction's folder: the plots, report.md and results.json, each file atomically.</summary>
public static class ReproductionOutput
{
    /// <summary>File name of the Markdown report.</summary>
    public const string ReportFile = "report.md";

    /// <summary>File name of the JSON results.</summary>
    public const string ResultsFile = "results.json";

    /// <summary>Writes <paramref name="report"/> into <paramref name="folder"/> (created when missing); returns the files written.</summary>
    public static IReadOnlyList<string> Write(ReproductionReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var plots = ReproductionPlots.Write(report, folder);
        // results.json last: its presence means the folder is complete.
        AtomicFile.WriteAllText(Path.Combine(folder, ReportFile), ReproductionMarkdown.Render(report, plots));
        AtomicFile.WriteAllText(Path.Combine(folder, ResultsFile), report.ToJson());
        return [.. plots.Select(p => Path.Combine(folder, p.File)), Path.Combine(folder, ReportFile), Path.Combine(folder, ResultsFile)];
    }
}
