using System.CommandLine;
using System.Text.Json;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Spectre.Console;

namespace SnnConvert.Cli.Commands;

/// <summary>
/// <c>snnconvert compare</c>: every threshold method on one CNN, accuracy versus T side by side. It is
/// <see cref="ReproductionRun"/> on one dataset, rendered as one table, a JSON file of the methods' reports and a Markdown comparison.
/// </summary>
public static class CompareCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var o = new SnnOptions();
        var source = new ModelSource("Trained CNN (.snnm)");
        var methods = new Option<string?>("--methods") { Description = "Comma-separated methods (default: all five, and qcfs first for a QCFS model)" };
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset (default: the model's); its training split calibrates, its test split is simulated";
        var json = new Option<string?>("--json") { Description = "Write every method's report as JSON to this file (with --shard: the shard's partial result)" };
        var shard = CommonOptions.Shard();
        var markdown = new Option<string?>("--markdown") { Description = "Write the comparison as a Markdown report to this file" };
        var outDir = new Option<string?>("--snn-dir") { Description = "Also save each converted network as <dir>/<method>.snn" };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("compare", "Convert one CNN with several threshold methods and compare SNN accuracy versus T")
        {
            source.Model, source.Onnx, methods, dataset, json, markdown, outDir, seed, dataDir, download, shard,
        };
        var conversions = new ConversionsOptions();
        conversions.AddTo(command);
        var shardBy = CommonOptions.ShardBy();
        command.Add(shardBy);
        foreach (var option in o.Calibration.Concat(o.Simulation)) command.Add(option);
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] names = parse.GetValue(methods) is { } given
                ? given.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : ThresholdMethods.Names;
            if (names.Length == 0) throw new UsageException("--methods: give at least one threshold method, e.g. max-current");
            o.ValidateCalibration(parse, names);   // every option before the model and the data
            o.ValidateSimulation(parse);
            ShardSpec? shardSpec = CommonOptions.WithShardAxis(parse, CommonOptions.ParseShard(parse, shard, json), shardBy);
            conversions.Validate(parse, shardSpec);
            SavedModel cnn = source.Load(parse, parse.GetValue(dataset));
            string name = parse.GetValue(dataset) ?? cnn.Dataset ?? throw new UsageException("--dataset: the model records no dataset (an ONNX model never does); name one");
            if (parse.GetValue(methods) is null && SnnRun.DefaultMethod(cnn) == ThresholdMethods.Qcfs) names = [ThresholdMethods.Qcfs, .. names];
            var options = o.Reproduction(parse, MethodVariant.Build(names, variants: false, parse.GetValue(o.Percentile),
                SnnOptions.ParseEnum<ThresholdGranularity>("--granularity", parse.GetValue(o.Granularity)!), parse.GetValue(o.AsWritten)), parse.GetValue(seed));
            options.Validate();
            var train = DatasetAccess.Load(name, "train", parse.GetValue(dataDir), parse.GetValue(download), null);
            var test = DatasetAccess.Load(name, "test", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(o.Limit));
            Terminal.LogBackend();
            string modelPath = source.Path(parse)!;
            if (conversions.TryCalibrateOnly(parse, cnn, name, train, options, new CompareObserver(parse.GetValue(outDir)))) return 0;
            ConversionsFolder? calibrated = conversions.Open(parse, cnn, name, train, options);
            if (shardSpec is not null)
            {
                ReproducePartial partial = ReproductionShard.Run(cnn, modelPath, name, train, test, options, shardSpec, new CompareObserver(parse.GetValue(outDir)),
                    conversions: calibrated);
                ReproduceShardOutput.Write("compare", shardSpec, partial, modelPath, parse.GetValue(json)!);
                return 0;
            }
            ReproductionReport report = ReproductionRun.Run(cnn, modelPath, name, train, test, options, new CompareObserver(parse.GetValue(outDir)),
                conversions: calibrated);
            Terminal.Out.Write(AccuracyTable(report));
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonText(report));
            if (parse.GetValue(markdown) is { } mdPath)
            {
                string[] context =
                [
                    $"Model `{modelPath}` ({cnn.Network.Name}), dataset {name}: {test.Count} test images, calibration on " +
                    $"{options.CalibrationSamples?.ToString() ?? "all"} training images with T_calib = {options.CalibrationSteps}, {report.Settings.Encoding} input, seed {options.Seed}.",
                    "",
                    $"Command: `snnconvert {string.Join(" ", Environment.GetCommandLineArgs().Skip(1))}` ({DateTime.UtcNow:yyyy-MM-dd}).",
                ];
                AtomicFile.WriteAllText(mdPath, ComparisonMarkdown.Render($"SNN conversion of {cnn.Network.Name} on {name}", context,
                    report.Methods.Select(m => (m.Label, m.Report)).ToArray()));
            }
            return 0;
        }));
        return command;
    }

    /// <summary>The serializer settings of the --json file: indented, camelCase.</summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The --json file's text: the model, the CNN's accuracy and every method's report (also what <c>merge</c> writes).</summary>
    public static string JsonText(ReproductionReport report) =>
        JsonSerializer.Serialize(new { model = report.Model, report.CnnAccuracy, reports = Reports(report) }, Json);

    // The --json file's "reports": each method's report under its label, in the order the methods were named.
    private static Dictionary<string, SimulationReport> Reports(ReproductionReport report) => report.Methods.ToDictionary(m => m.Label, m => m.Report);

    // One column per method, one row per T.
    private static Table AccuracyTable(ReproductionReport report)
    {
        var table = new Table().AddColumn("T");
        foreach (MethodResult method in report.Methods) table.AddColumn(method.Label);
        foreach (int t in report.Settings.Timesteps)
            table.AddRow([$"{t}", .. report.Methods.Select(m => $"{m.Report.Rows.First(r => r.T == t).Accuracy:F2}")]);
        table.Caption(Markup.Escape($"SNN accuracy (%) versus T on {report.Settings.TestImages} test images; CNN {report.CnnAccuracy:F2}%"));
        return table;
    }
}
