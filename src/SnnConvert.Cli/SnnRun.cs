using System.CommandLine;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Training;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>The steps shared by convert, simulate and compare, with their progress bars and tables.</summary>
public static class SnnRun
{
    /// <summary>Converts <paramref name="model"/> with the named method and the options of <paramref name="parse"/>, calibrating on a subset of <paramref name="train"/>.</summary>
    public static SpikingNetwork Convert(ParseResult parse, SnnOptions o, SavedModel model, string method, ImageDataset train, int seed)
    {
        ConversionOptions options = o.Conversion(parse, method, seed);
        ConversionResult result = WithCalibrationProgress(progress => SnnConverter.Convert(model, options, train, progress));
        foreach (string w in result.Warnings) Terminal.Error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(SettingFlags.InText(w))}");
        foreach (string w in DeadChannelWarnings(result.Network)) Terminal.Error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        return result.Network;
    }

    /// <summary>
    /// The method when none is named: qcfs for a model with QCFS activations (said on the console), else max-current.
    /// </summary>
    public static string DefaultMethod(SavedModel model)
    {
        string name = ThresholdMethods.DefaultFor(model.Network);
        if (name == ThresholdMethods.Qcfs)
            Terminal.Error.MarkupLine(Markup.Escape($"method: {name}, the default for this model: it has QCFS activations, whose trained thresholds qcfs takes (--method or --methods chooses others)"));
        return name;
    }

    /// <summary>One line per layer with channels that never received a positive current during calibration.</summary>
    public static IEnumerable<string> DeadChannelWarnings(SpikingNetwork net)
    {
        foreach (LayerCalibration entry in net.Conversion.LayerRecords)
            if (entry.DeadChannels > 0)
                yield return $"stage {entry.Stage} ({entry.Layer}): {entry.DeadChannels} of {entry.Thresholds} channels never received a positive " +
                    "input current during calibration; they never fire (threshold set to the layer's largest)";
    }

    /// <summary>Simulates <paramref name="net"/> on <paramref name="data"/> with a progress bar.</summary>
    public static SimulationResult Simulate(SpikingNetwork net, ImageDataset data, SimulationOptions options, int[]? cnnPredictions, long cnnMacs, string label) =>
        WithSimulationProgress(label, data.Count, options.Steps, progress => SnnSimulator.Run(net, data, options, cnnPredictions, cnnMacs, progress));

    /// <summary>Runs a calibration with one progress bar per pass it reports.</summary>
    public static T WithCalibrationProgress<T>(Func<IProgress<CalibrationProgress>, T> work)
    {
        T result = default!;
        Terminal.Progress().Start(ctx =>
        {
            var tasks = new Dictionary<string, ProgressItem>();
            var progress = new SyncProgress<CalibrationProgress>(p =>
            {
                if (!tasks.TryGetValue(p.Description, out ProgressItem? task))
                    tasks[p.Description] = task = ctx.AddTask(Markup.Escape(p.Description), maxValue: p.Total);
                task.Value = p.Done;
            });
            result = work(progress);
        });
        return result;
    }

    /// <summary>Runs a simulation of <paramref name="images"/> images with a progress bar of images done.</summary>
    public static T WithSimulationProgress<T>(string label, int images, int steps, Func<IProgress<int>, T> work)
    {
        T result = default!;
        Terminal.Progress().Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape($"simulate {label}: {images} images x {steps} steps"), maxValue: images);
            result = work(new SyncProgress<int>(done => task.Value = done));
        });
        return result;
    }

    /// <summary>Table of thresholds per layer of a balanced network.</summary>
    public static Table ThresholdTable(SpikingNetwork net)
    {
        var table = new Table().AddColumns("stage", "layer", "thresholds", "min", "mean", "max", "dead channels");
        foreach (LayerCalibration entry in net.Conversion.LayerRecords)
            table.AddRow($"{entry.Stage}", Markup.Escape(entry.Layer), $"{entry.Thresholds}", $"{entry.Min:G4}", $"{entry.Mean:G4}", $"{entry.Max:G4}",
                $"{entry.DeadChannels}");
        return table;
    }

    /// <summary>Table of a simulation report: one row per T.</summary>
    public static Table ReportTable(SimulationReport report)
    {
        var table = new Table().AddColumns("T", "accuracy %", "loss (CNN - SNN)", "agreement %", "spikes/image", "SynOps/image", "energy uJ");
        foreach (var r in report.Rows)
            table.AddRow($"{r.T}", $"{r.Accuracy:F2}", r.ConversionLoss is { } l ? $"{l:F2}" : "-", r.Agreement is { } a ? $"{a:F2}" : "-",
                $"{r.SpikesPerImage:N0}", $"{r.SynOpsPerImage:N0}", $"{r.EnergyMicrojoules:F3}");
        table.Caption(Markup.Escape($"{report.Images} images, {report.Encoding} input; CNN: " +
            (report.CnnAccuracy is { } c ? $"{c:F2}% accuracy, " : "") + $"{report.CnnMacsPerImage:N0} MACs, {report.CnnEnergyMicrojoules:F3} uJ per image"));
        return table;
    }

    /// <summary>Table of per-layer activity.</summary>
    public static Table LayerTable(SimulationReport report)
    {
        var table = new Table().AddColumns("stage", "layer", "neurons", "spikes/image", "firing rate", "SynOps/image");
        foreach (var l in report.Layers)
            table.AddRow($"{l.Stage}", Markup.Escape(l.Layer), $"{l.Neurons:N0}", $"{l.SpikesPerImage:N1}", $"{l.FiringRate:F4}", $"{l.SynOpsPerImage:N0}");
        table.Caption($"at T = {report.Rows[^1].T}");
        return table;
    }
}
