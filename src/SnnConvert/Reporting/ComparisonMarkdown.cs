using System.Globalization;
using System.Text;

namespace SnnConvert.Reporting;

/// <summary>Renders the comparison of threshold methods on one CNN as Markdown tables.</summary>
public static class ComparisonMarkdown
{
    /// <summary>Markdown for <paramref name="reports"/> (method name to report, in column order).</summary>
    /// <param name="title">Heading.</param>
    /// <param name="context">Lines saying what was run (model, data, calibration, command).</param>
    /// <param name="reports">One report per method, all on the same images and latencies.</param>
    public static string Render(string title, IEnumerable<string> context, IReadOnlyList<(string Method, SimulationReport Report)> reports)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# {title}").AppendLine();
        foreach (string line in context) sb.AppendLine(line);
        sb.AppendLine();
        var first = reports[0].Report;
        string cnn = first.CnnAccuracy is { } c ? c.ToString("F2", inv) : "-";
        sb.AppendLine($"CNN: **{cnn} %** on {first.Images} test images, {first.CnnMacsPerImage:N0} MACs and {first.CnnEnergyMicrojoules.ToString("F3", inv)} uJ per image.").AppendLine();
        AppendTables(sb, reports);
        return sb.ToString();
    }

    /// <summary>
    /// Appends the comparison's sections (accuracy, conversion loss and agreement versus T; activity and energy; firing
    /// rate per layer), each under a level-2 heading, so other reports (the reproduction's) show the same tables.
    /// </summary>
    public static void AppendTables(StringBuilder sb, IReadOnlyList<(string Method, SimulationReport Report)> reports)
    {
        var inv = CultureInfo.InvariantCulture;
        var first = reports[0].Report;

        sb.AppendLine("## SNN accuracy (%) versus T").AppendLine();
        Table(sb, reports, r => r.Accuracy.ToString("F2", inv), bestHigh: true, r => r.Accuracy);
        sb.AppendLine("## Conversion loss (CNN - SNN, points) versus T").AppendLine();
        Table(sb, reports, r => r.ConversionLoss?.ToString("F2", inv) ?? "-", bestHigh: false, r => r.ConversionLoss ?? double.NaN);
        sb.AppendLine("## Agreement with the CNN's predictions (%) versus T").AppendLine();
        Table(sb, reports, r => r.Agreement?.ToString("F2", inv) ?? "-", bestHigh: true, r => r.Agreement ?? double.NaN);

        sb.AppendLine("## Activity and energy per image").AppendLine();
        sb.AppendLine("| method | T | accuracy % | spikes | SynOps | MACs | energy uJ | energy / CNN |").AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var (method, report) in reports)
            foreach (var row in report.Rows.Where(r => r.T is 16 or 32 or 64 || r.T == report.Rows[^1].T).DistinctBy(r => r.T))
                sb.AppendLine($"| {method} | {row.T} | {row.Accuracy.ToString("F2", inv)} | {row.SpikesPerImage:N0} | {row.SynOpsPerImage:N0} | {row.MacsPerImage:N0} | " +
                              $"{row.EnergyMicrojoules.ToString("F3", inv)} | {(row.EnergyMicrojoules / report.CnnEnergyMicrojoules).ToString("F2", inv)} |");
        sb.AppendLine();

        sb.AppendLine($"## Firing rate per layer (spikes per neuron per step) at T = {first.Rows[^1].T}").AppendLine();
        sb.Append("| layer | neurons |");
        foreach (var (method, _) in reports) sb.Append($" {method} |");
        sb.AppendLine().Append("|---|---|").AppendLine(string.Concat(Enumerable.Repeat("---|", reports.Count)));
        for (int i = 0; i < first.Layers.Count; i++)
        {
            sb.Append($"| {first.Layers[i].Layer} | {first.Layers[i].Neurons:N0} |");
            foreach (var (_, report) in reports) sb.Append($" {report.Layers[i].FiringRate.ToString("F4", inv)} |");
            sb.AppendLine();
        }
        sb.AppendLine();
    }

    // One row per T, one column per method; the best value of each row is bold.
    private static void Table(StringBuilder sb, IReadOnlyList<(string Method, SimulationReport Report)> reports, Func<TimestepRow, string> cell,
        bool bestHigh, Func<TimestepRow, double> value)
    {
        sb.Append("| T |");
        foreach (var (method, _) in reports) sb.Append($" {method} |");
        sb.AppendLine().Append("|---|").AppendLine(string.Concat(Enumerable.Repeat("---|", reports.Count)));
        for (int i = 0; i < reports[0].Report.Rows.Count; i++)
        {
            var row = reports.Select(r => r.Report.Rows[i]).ToArray();
            double best = bestHigh ? row.Max(value) : row.Min(value);
            sb.Append($"| {row[0].T} |");
            foreach (var r in row) sb.Append(value(r) == best ? $" **{cell(r)}** |" : $" {cell(r)} |");
            sb.AppendLine();
        }
        sb.AppendLine();
    }
}
