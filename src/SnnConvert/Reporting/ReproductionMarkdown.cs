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
                      $"{s.CalibrationImages} training images with T_calib = {s.CalibrationSteps} (the training split only: no test image sets a " +
                      $"threshold, bias or initial membrane); {s.Encoding} input; seed {s.Seed}. " +
                      (s.TargetSteps is { } target ? $"Thresholds chosen for the target latency T = {target} (docs/method.md). " : "") +
                      (s.PostCalibration is { } post ? $"Post-calibration: {post}. " : "") +
                      $"Methods: {string.Join(", ", report.Methods.Select(m => m.Label))}.").AppendLine();
        LowLatencyNotes(sb, report.Methods);
        QcfsNotes(sb, report);
        sb.AppendLine($"Command: `{run.Command}`").AppendLine();
        sb.AppendLine($"Run {run.StartedUtc} on {run.ProcessorCount} logical processors ({run.OperatingSystem}, {run.Runtime}; matrix products: {run.Blas}).")
            .AppendLine();

        foreach (var (title, file) in plots) sb.AppendLine($"![{title}]({file})").AppendLine();

        // The comparison's tables, so compare and reproduce reports read the same.
        sb.AppendLine($"CNN: **{report.CnnAccuracy.ToString("F2", inv)} %** on {s.TestImages} test images, {report.CnnMacsPerImage:N0} MACs and " +
                      $"{report.CnnEnergyMicrojoules.ToString("F3", inv)} uJ per image.").AppendLine();
        foreach (var m in report.Methods.Where(m => m.Cnn is not null))
            sb.AppendLine($"QCFS CNN of {m.Label}: **{m.Report.CnnAccuracy?.ToString("F2", inv)} %** on the same images, {m.Report.CnnMacsPerImage:N0} MACs and " +
                          $"{m.Report.CnnEnergyMicrojoules.ToString("F3", inv)} uJ per image; in the tables below, the {m.Label} column's conversion loss, " +
                          "agreement and energy / CNN are relative to this CNN, every other column's to the CNN above.").AppendLine();
        ComparisonMarkdown.AppendTables(sb, report.Methods.Select(m => (m.Label, m.Report)).ToArray());
        QcfsSideBySide.Append(sb, report);

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
        if (run.ReusedMethods is { } reused)
            sb.AppendLine($"This run went on from an interrupted run of the same command: {reused} of the {report.Methods.Count} methods were " +
                          "taken from its checkpoints with the times measured there, which the total (this run's wall time) does not include.").AppendLine();
        if (report.Methods.Any(m => m.PostCalibration is not null))
            sb.AppendLine("A row with post-calibration counts its thresholds' calibration and its own post-calibration. Where its thresholds " +
                          "are those of another row of the run (the same method and T, with neurons that start at theta/2, so that both " +
                          "minimise the rounding error), they were calibrated once, for the first of the two, and that time is counted in " +
                          "both rows; the total is the time spent.").AppendLine();
        sb.AppendLine("Every number above is in results.json beside this file.");
        return sb.ToString();
    }

    // What the rows converting a QCFS version of the CNN are (QcfsRow), only when the run has them.
    private static void QcfsNotes(StringBuilder sb, ReproductionReport report)
    {
        foreach (var m in report.Methods.Where(m => m.Cnn is not null))
            sb.AppendLine($"Row {m.Label} converts another CNN: `{m.Cnn!.Model}` ({m.Cnn.Network}), the same architecture with its ReLUs replaced by " +
                          "QCFS activations (quantisation-clip-floor-shift with trained thresholds lambda; Bu et al. 2022, ICLR), converted with " +
                          "thresholds theta = lambda, synapses scaled by the thresholds of the layer before and membranes starting at theta/2 " +
                          "(no calibration image), and simulated on the same test images and T as the other rows. Its conversion loss and " +
                          "agreement are relative to that CNN.").AppendLine();
    }

    // What the rows with a conversion of their own are (LowLatencyRows), one line per kind, only when the run has them.
    private static void LowLatencyNotes(StringBuilder sb, IReadOnlyList<MethodResult> methods)
    {
        string[] search = [.. methods.Where(m => m.TargetSteps is not null && m.PostCalibration is null).Select(m => m.Label)];
        string[] preset = [.. methods.Where(m => m.PostCalibration is not null).Select(m => m.Label)];
        if (search.Length == 0 && preset.Length == 0) return;
        sb.AppendLine("Rows beyond the seed paper, for a target latency T (docs/method.md); each is simulated at every T of the tables:").AppendLine();
        if (search.Length > 0)
            sb.AppendLine($"- {string.Join(", ", search)}: max-current (synapses scaled by the thresholds) with each channel's threshold chosen to " +
                          "minimise the expected squared clip-and-floor error of its calibration values at the target latency T instead of their " +
                          "maximum (Li et al. 2021, ICML, \"A Free Lunch From ANN\").");
        if (preset.Length > 0)
            sb.AppendLine($"- {string.Join(", ", preset)}: the recommended low-latency preset: those thresholds (for the rounding error, as the " +
                          "neurons start near theta/2), then bias calibration (Li et al. 2021) and membrane calibration (theta/2 start, " +
                          "Deng & Gu 2021, ICLR; shifted by the measured offset spikes, Hao et al. 2023, ICLR), layer by layer at T on up to " +
                          $"{Conversion.PostCalibrator.DefaultImages} calibration images.");
        sb.AppendLine();
    }
}
