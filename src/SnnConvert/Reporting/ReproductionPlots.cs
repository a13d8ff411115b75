using ScottPlot;
using ScottPlot.TickGenerators;
using SnnConvert.IO;

namespace SnnConvert.Reporting;

/// <summary>The PNG plots of a reproduction (ScottPlot): accuracy versus T, firing rate per layer, threshold distribution per layer.</summary>
public static class ReproductionPlots
{
    /// <summary>File name of the accuracy-versus-T plot.</summary>
    public const string AccuracyFile = "accuracy-vs-T.png";

    /// <summary>File name of the firing-rate plot.</summary>
    public const string FiringRateFile = "firing-rate.png";

    /// <summary>File name of the threshold-distribution plot.</summary>
    public const string ThresholdsFile = "thresholds.png";

    private const int Width = 1100, Height = 650;

    /// <summary>Writes the plots into <paramref name="folder"/> (each atomically); returns their titles and file names in report order.</summary>
    public static IReadOnlyList<(string Title, string File)> Write(ReproductionReport report, string folder)
    {
        var plots = new List<(string, string)>
        {
            ("SNN accuracy versus T", Save(AccuracyVersusT(report), folder, AccuracyFile)),
            ("Firing rate per layer", Save(FiringRate(report), folder, FiringRateFile)),
        };
        if (Thresholds(report) is { } thresholds) plots.Add(("Threshold distribution per layer", Save(thresholds, folder, ThresholdsFile)));
        return plots;
    }

    /// <summary>Accuracy versus T on a log-2 axis, one line per method, the CNN as a dashed horizontal line.</summary>
    public static Plot AccuracyVersusT(ReproductionReport report)
    {
        var plot = NewPlot();
        double[] ts = report.Settings.Timesteps.Select(t => (double)t).ToArray();
        double[] xs = ts.Select(Math.Log2).ToArray();
        for (int i = 0; i < report.Methods.Count; i++)
        {
            MethodResult m = report.Methods[i];
            var line = plot.Add.Scatter(xs, m.Report.Rows.Select(r => r.Accuracy).ToArray());
            line.LegendText = m.Label;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            line.MarkerShape = Marker(i);
            line.LinePattern = Pattern(m);
            if (m.Cnn?.Accuracy is not { } own) continue;
            // A row converting another CNN (QcfsRow): that CNN too, dashed in the row's colour.
            var its = plot.Add.HorizontalLine(own);
            its.LegendText = $"{m.Label} CNN ({own:F2} %)";
            its.Color = line.Color;
            its.LinePattern = LinePattern.Dashed;
            its.LineWidth = 2;
        }
        var cnn = plot.Add.HorizontalLine(report.CnnAccuracy);
        cnn.LegendText = $"CNN ({report.CnnAccuracy:F2} %)";
        cnn.Color = Colors.Black;
        cnn.LinePattern = LinePattern.Dashed;
        cnn.LineWidth = 2;
        // ScottPlot has no log axis: the x values are log2(T) and the ticks are labelled with T itself.
        plot.Axes.Bottom.TickGenerator = new NumericManual(xs, ts.Select(t => t.ToString("G")).ToArray());
        plot.Axes.SetLimitsX(xs[0] - 0.3, xs[^1] + 0.3);
        plot.Axes.SetLimitsY(0, 102);
        Label(plot, $"{report.Network} on {report.Dataset}: SNN accuracy versus latency ({report.Settings.TestImages} test images, {report.Settings.Encoding} input)",
            "time steps T (log2 scale)", "accuracy (%)");
        return plot;
    }

    /// <summary>Firing rate (spikes per neuron per step) of every spiking layer at the largest T, one line per method.</summary>
    public static Plot FiringRate(ReproductionReport report)
    {
        var plot = NewPlot();
        var layers = report.Methods[0].Report.Layers;
        double[] xs = Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray();
        for (int i = 0; i < report.Methods.Count; i++)
        {
            MethodResult m = report.Methods[i];
            var line = plot.Add.Scatter(xs, m.Report.Layers.Select(l => l.FiringRate).ToArray());
            line.LegendText = m.Label;
            line.LineWidth = 2;
            line.MarkerSize = 8;
            line.MarkerShape = Marker(i);
            line.LinePattern = Pattern(m);
        }
        plot.Axes.Bottom.TickGenerator = new NumericManual(xs, layers.Select(l => $"{l.Stage}: {Short(l.Layer)}").ToArray());
        plot.Axes.SetLimitsX(-0.4, xs.Length - 0.6);
        plot.Axes.SetLimitsY(0, report.Methods.Max(m => m.Report.Layers.Select(l => l.FiringRate).DefaultIfEmpty(0).Max()) * 1.1 + 1e-6);
        Label(plot, $"{report.Network} on {report.Dataset}: firing rate per layer at T = {report.Settings.Timesteps[^1]}",
            "layer (stage: type)", "spikes per neuron per step");
        return plot;
    }

    /// <summary>Every channel threshold of every layer (log10 axis) for the methods with channel-wise thresholds; null when none has them.</summary>
    public static Plot? Thresholds(ReproductionReport report)
    {
        var methods = report.Methods.Where(m => m.Thresholds.Any(t => t.Count > 1)).ToArray();
        if (methods.Length == 0) return null;
        var plot = new Plot();
        var layers = methods[0].Thresholds;
        double width = 0.8 / methods.Length;
        var jitter = new Random(1);
        for (int j = 0; j < methods.Length; j++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < methods[j].Thresholds.Count; i++)
                foreach (double v in methods[j].Thresholds[i].Values)
                {
                    // Each method gets a slot beside the layer's tick; points are spread within it so channels do not hide each other.
                    xs.Add(i - 0.4 + width * (j + 0.5) + (jitter.NextDouble() - 0.5) * width * 0.7);
                    ys.Add(Math.Log10(v));
                }
            var points = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray());
            points.LegendText = methods[j].Label;
            points.MarkerSize = 5;
        }
        double[] ticks = Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new NumericManual(ticks, layers.Select(l => $"{l.Stage}: {Short(l.Layer)}").ToArray());
        // Labelled ticks at 1, 2 and 5 times each power of ten: automatic ticks on log10 values leave a decade unlabelled.
        var all = methods.SelectMany(m => m.Thresholds).SelectMany(t => t.Values).ToArray();
        var decadeTicks = Enumerable.Range((int)Math.Floor(Math.Log10(all.Min())), (int)Math.Ceiling(Math.Log10(all.Max())) - (int)Math.Floor(Math.Log10(all.Min())) + 1)
            .SelectMany(k => new[] { 1.0, 2.0, 5.0 }.Select(f => f * Math.Pow(10, k))).ToArray();
        plot.Axes.Left.TickGenerator = new NumericManual(decadeTicks.Select(Math.Log10).ToArray(), decadeTicks.Select(v => v.ToString("G3")).ToArray());
        plot.Axes.SetLimitsY(Math.Log10(all.Min()) - 0.05, Math.Log10(all.Max()) + 0.05);
        plot.Axes.SetLimitsX(-0.5, layers.Count - 0.5);
        Label(plot, $"{report.Network} on {report.Dataset}: channel thresholds per layer (channel-wise methods)", "layer (stage: type)",
            "threshold (log scale)");
        return plot;
    }

    private static void Label(Plot plot, string title, string x, string y)
    {
        plot.Title(title, size: 18);
        plot.XLabel(x, size: 15);
        plot.YLabel(y, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        // Outside the data area, so no line is hidden behind it however the accuracies fall.
        plot.ShowLegend(Edge.Right);
    }

    // A reproduction has up to 14 rows: ScottPlot's default palette repeats after 10 colours, so two rows would share one.
    // Tsitsulin's 25 distinct colours, and a marker shape cycling with another period, keep every row apart.
    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Add.Palette = new ScottPlot.Palettes.Tsitsulin();
        return plot;
    }

    private static readonly MarkerShape[] Markers =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    private static MarkerShape Marker(int row) => Markers[row % Markers.Length];

    // Solid for the methods of the paper and its variants; the low-latency rows dotted (threshold search alone) or
    // dashed (the preset), so that the two rows of one target latency read as a pair.
    private static LinePattern Pattern(MethodResult method) =>
        method.PostCalibration is not null ? LinePattern.Dashed : method.TargetSteps is not null ? LinePattern.Dotted : LinePattern.Solid;

    // "conv2d 1->12 5x5 (spiking, 12 thresholds)" -> "conv2d 1->12 5x5": tick labels must stay short.
    private static string Short(string layer) => layer.Split(" (")[0];

    private static string Save(Plot plot, string folder, string file)
    {
        byte[] png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        AtomicFile.Write(Path.Combine(folder, file), s => s.Write(png));
        return file;
    }
}
