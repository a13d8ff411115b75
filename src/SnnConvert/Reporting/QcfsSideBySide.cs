using System.Globalization;
using System.Text;

namespace SnnConvert.Reporting;

/// <summary>
/// The report's section comparing, per T, the best conversion of the standard CNN with the conversion of its QCFS
/// version (<see cref="QcfsRow"/>): accuracy and energy per image relative to each one's CNN, and the first T at which
/// each SNN is as accurate as its CNN (within <see cref="EqualAccuracyPoints"/>) and cheaper than it.
/// </summary>
public static class QcfsSideBySide
{
    /// <summary>How far below its CNN (points) an SNN may be and still count as equally accurate.</summary>
    public const double EqualAccuracyPoints = 0.5;

    /// <summary>Appends the section when <paramref name="report"/> has rows converting another CNN; nothing otherwise.</summary>
    public static void Append(StringBuilder sb, ReproductionReport report)
    {
        var inv = CultureInfo.InvariantCulture;
        MethodResult[] standard = [.. report.Methods.Where(m => m.Cnn is null)];
        MethodResult[] rows = [.. report.Methods.Where(m => m.Cnn is not null)];
        if (rows.Length == 0 || standard.Length == 0) return;

        sb.AppendLine("## Standard CNN versus QCFS CNN conversion").AppendLine();
        sb.AppendLine($"Per T, the most accurate conversion of the standard CNN ({report.CnnAccuracy.ToString("F2", inv)} %) beside the conversion of " +
                      $"{string.Join(" and ", rows.Select(r => $"its QCFS version ({r.Label}: CNN {r.Cnn!.Accuracy?.ToString("F2", inv)} %)"))}. The loss is " +
                      "each SNN's own CNN minus the SNN; the energy per image (SynOps at 0.9 pJ, the first layer's MACs at 4.6 pJ per step under " +
                      "direct input) is divided by its CNN's (4.6 pJ per MAC; both CNNs have the same MACs).").AppendLine();
        sb.Append("| T | best standard conversion | accuracy % | loss | energy / CNN |");
        foreach (var r in rows) sb.Append($" {r.Label} accuracy % | loss | energy / CNN |");
        sb.AppendLine().Append("|---|---|---|---|---|").AppendLine(string.Concat(Enumerable.Repeat("---|---|---|", rows.Length)));
        for (int i = 0; i < report.Settings.Timesteps.Count; i++)
        {
            MethodResult best = standard.MaxBy(m => m.Report.Rows[i].Accuracy)!;   // the first of equals
            sb.Append($"| {best.Report.Rows[i].T} | {best.Label} |{Cells(best, i)}");
            foreach (var r in rows) sb.Append(Cells(r, i));
            sb.AppendLine();
        }
        sb.AppendLine();

        string points = EqualAccuracyPoints.ToString("0.0", inv);
        sb.AppendLine($"Equal accuracy: within {points} points of the SNN's own CNN; cheaper: less energy per image than that CNN.").AppendLine();
        sb.AppendLine($"- Standard CNN: {FirstCheaper(standard, report.CnnAccuracy)}.");
        foreach (var r in rows)
        {
            sb.AppendLine($"- {r.Label}: {FirstCheaper([r], r.Cnn!.Accuracy ?? double.NaN)}; against the standard CNN's " +
                          $"{report.CnnAccuracy.ToString("F2", inv)} %: {FirstCheaper([r], report.CnnAccuracy)}.");
        }
        sb.AppendLine();
    }

    // "accuracy | loss | energy / CNN |" of method m at the i-th T.
    private static string Cells(MethodResult m, int i)
    {
        var inv = CultureInfo.InvariantCulture;
        TimestepRow row = m.Report.Rows[i];
        return $" {row.Accuracy.ToString("F2", inv)} | {row.ConversionLoss?.ToString("F2", inv) ?? "-"} | {Ratio(m, row).ToString("F2", inv)} |";
    }

    private static double Ratio(MethodResult m, TimestepRow row) => row.EnergyMicrojoules / m.Report.CnnEnergyMicrojoules;

    // The first T at which one of methods is within EqualAccuracyPoints of reference and cheaper than its CNN, in words.
    private static string FirstCheaper(IReadOnlyList<MethodResult> methods, double reference)
    {
        var inv = CultureInfo.InvariantCulture;
        int count = methods[0].Report.Rows.Count;
        for (int i = 0; i < count; i++)
            foreach (MethodResult m in methods)
            {
                TimestepRow row = m.Report.Rows[i];
                if (row.Accuracy >= reference - EqualAccuracyPoints && Ratio(m, row) < 1)
                    return $"as accurate and cheaper from T = {row.T} ({m.Label}: {row.Accuracy.ToString("F2", inv)} %, " +
                           $"{Ratio(m, row).ToString("F2", inv)} times the CNN's energy)";
            }
        int reached = Enumerable.Range(0, count).FirstOrDefault(i => methods.Any(m => m.Report.Rows[i].Accuracy >= reference - EqualAccuracyPoints), -1);
        if (reached < 0) return "never as accurate at the T of this run";
        MethodResult first = methods.First(m => m.Report.Rows[reached].Accuracy >= reference - EqualAccuracyPoints);
        TimestepRow at = first.Report.Rows[reached];
        return $"as accurate from T = {at.T} ({first.Label}), but never cheaper at equal accuracy at the T of this run " +
               $"({Ratio(first, at).ToString("F2", inv)} times the CNN's energy at T = {at.T})";
    }
}
