using System.Globalization;
using System.Text;

namespace SnnConvert.Reporting;

/// <summary>Renders a reproduction as report.md: context, plots, the comparison tables, thresholds and timings.</summary>
public static class ReproductionMarkdown
{
    /// <summary>The Markdown of <paramref name="report"/>; <paramref name="plots"/> are image files beside it, embedded in order.</summary>
    public static string Render(ReproductionReport report, IEnumerable<(string Title, string File)> plots)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = report.Settings;
        var run = report.Run;
        var sb = new StringBuilder();
        sb.AppendLine($"# Reproduction: SNN conversion of {report.Network} on {report.Dataset}").AppendLine();
        sb.AppendLine($"Model `{report.Model}` ({report.Network}), dataset {report.Dataset}: {s.TestImages} test images; calibration on " +
                      $"{s.CalibrationImages} training images with T_calib = {s.CalibrationSteps}; {s.Encoding} input; seed {s.Seed}. " +
                      (s.TargetSteps is { } target ? $"Thresholds chosen for the target latency T = {target} (docs/method.md). " : "") +
                      (s.PostCalibration is { } post ? $"Post-calibration: {post}. " : "") +
                      $"Methods: {string.Join(", ", report.Methods.Select(m => m.Label))}.").AppendLine();
        sb.AppendLine($"Command: `{run.Command}`").AppendLine();
        sb.AppendLine($"Run {run.StartedUtc} on {run.ProcessorCount} logical processors ({run.OperatingSystem}, {run.Runtime}; matrix products: {run.Blas}).")
            .AppendLine();

        foreach (var (title, file) in plots) sb.AppendLine($"![{title}]({file})").AppendLine();

        // The comparison's tables, so compare and reproduce reports read the same.
        sb.AppendLine($"CNN: **{report.CnnAccuracy.ToString("F2", inv)} %** on {s.TestImages} test images, {report.CnnMacsPerImage:N0} MACs and " +
                      $"{report.CnnEnergyMicrojoules.ToString("F3", inv)} uJ per image.").AppendLine();
        ComparisonMarkdown.AppendTables(sb, report.Methods.Select(m => (m.Label, m.Report)).ToArray());

        sb.AppendLine("## Thresholds per layer").AppendLine();
        sb.AppendLine("| method | stage | layer | thresholds | min | mean | max | dead channels |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var m in report.Methods)
            foreach (var t in m.Thresholds)
                sb.AppendLine($"| {m.Label} | {t.Stage} | {t.Layer} | {t.Count} | {t.Min.ToString("G4", inv)} | {t.Mean.ToString("G4", inv)} | " +
                              $"{t.Max.ToString("G4", inv)} | {t.DeadChannels} |");
        sb.AppendLine();

        var warnings = report.Methods.SelectMany(m => m.Warnings).Distinct().ToArray();
        if (warnings.Length > 0)
        {
            sb.AppendLine("## Conversion warnings").AppendLine();
            foreach (string w in warnings) sb.AppendLine($"- {w}");
            sb.AppendLine();
        }

        sb.AppendLine("## Timings (seconds)").AppendLine();
        sb.AppendLine("| step | calibration | simulation |").AppendLine("|---|---|---|");
        if (run.TrainingSeconds is { } training) sb.AppendLine($"| training | {training.ToString("F1", inv)} | |");
        sb.AppendLine($"| CNN evaluation | | {run.CnnSeconds.ToString("F1", inv)} |");
        foreach (var m in report.Methods)
            sb.AppendLine($"| {m.Label} | {m.CalibrationSeconds.ToString("F1", inv)} | {m.SimulationSeconds.ToString("F1", inv)} |");
        sb.AppendLine($"| total | {run.TotalSeconds.ToString("F1", inv)} | |").AppendLine();
        sb.AppendLine("Every number above is in results.json beside this file.");
        return sb.ToString();
    }
}
