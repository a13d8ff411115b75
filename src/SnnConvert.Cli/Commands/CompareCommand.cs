using System.CommandLine;
using System.Text.Json;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Training;
using Spectre.Console;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert compare</c>: every threshold method on one CNN, accuracy versus T side by side.</summary>
public static class CompareCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var o = new SnnOptions();
        var source = new ModelSource("Trained CNN (.snnm)");
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods (default: all five)", DefaultValueFactory = _ => string.Join(",", ThresholdMethods.Names) };
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset (default: the model's); its training split calibrates, its test split is simulated";
        var json = new Option<string?>("--json") { Description = "Write every method's report as JSON to this file" };
        var markdown = new Option<string?>("--markdown") { Description = "Write the comparison as a Markdown report to this file" };
        var outDir = new Option<string?>("--snn-dir") { Description = "Also save each converted network as <dir>/<method>.snn" };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("compare", "Convert one CNN with several threshold methods and compare SNN accuracy versus T")
        {
            source.Model, source.Onnx, methods, dataset, json, markdown, outDir, seed, dataDir, download,
        };
        foreach (var option in o.Calibration.Concat(o.Simulation)) command.Add(option);
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] names = parse.GetValue(methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (names.Length == 0) throw new UsageException("--methods: give at least one threshold method, e.g. max-current");
            o.ValidateCalibration(parse, names);   // every option before the model and the data
            o.ValidateSimulation(parse);
            SavedModel cnn = source.Load(parse, parse.GetValue(dataset));
            string name = parse.GetValue(dataset) ?? cnn.Dataset ?? throw new UsageException("--dataset: the model records no dataset (an ONNX model never does); name one");
            int[] timesteps = SnnOptions.ParseTimesteps(parse.GetValue(o.Timesteps)!);
            int seedValue = parse.GetValue(seed);
            var options = new SimulationOptions(timesteps.Max(), SnnOptions.ParseEnum<InputEncoding>("--encoding", parse.GetValue(o.Encoding)!),
                seedValue, parse.GetValue(o.BatchSize), o.ReadoutChoice(parse), o.EngineChoice(parse));
            options.Validate();
            var train = DatasetAccess.Load(name, "train", parse.GetValue(dataDir), parse.GetValue(download), null);
            var test = DatasetAccess.Load(name, "test", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(o.Limit));
            Terminal.LogBackend();
            var (cnnPredictions, cnnAccuracy) = Evaluator.Reference(cnn.Network, test);
            Terminal.Log($"CNN accuracy on {test.Count} test images: {cnnAccuracy:F2}%");
            var reports = new Dictionary<string, SimulationReport>();
            foreach (string method in names)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                SpikingNetwork snn = SnnRun.Convert(parse, o, cnn, method, train, seedValue);
                Terminal.Log($"{method}: calibrated in {clock.Elapsed.TotalSeconds:F1} s");
                if (parse.GetValue(outDir) is { } dir) SnnFile.Save(Path.Combine(dir, method + ".snn"), snn);
                var result = SnnRun.Simulate(snn, test, options, cnnPredictions, cnn.Network.Macs, method);
                reports[method] = SimulationReport.From(result, timesteps, cnnAccuracy);
            }
            var table = new Table().AddColumn("T");
            foreach (string method in names) table.AddColumn(method);
            foreach (int t in timesteps)
                table.AddRow([$"{t}", .. names.Select(m => $"{reports[m].Rows.First(r => r.T == t).Accuracy:F2}")]);
            table.Caption(Markup.Escape($"SNN accuracy (%) versus T on {test.Count} test images; CNN {cnnAccuracy:F2}%"));
            Terminal.Out.Write(table);
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new { model = source.Path(parse), cnnAccuracy, reports }, SimulateCommand.Json));
            if (parse.GetValue(markdown) is { } mdPath)
            {
                string[] context =
                [
                    $"Model `{source.Path(parse)}` ({cnn.Network.Name}), dataset {name}: {test.Count} test images, calibration on " +
                    $"{parse.GetValue(o.CalibSamples)?.ToString() ?? "all"} training images with T_calib = {parse.GetValue(o.CalibSteps)}, {options.Encoding.ToString().ToLowerInvariant()} input, seed {seedValue}.",
                    "",
                    $"Command: `snnconvert {string.Join(" ", Environment.GetCommandLineArgs().Skip(1))}` ({DateTime.UtcNow:yyyy-MM-dd}).",
                ];
                AtomicFile.WriteAllText(mdPath, ComparisonMarkdown.Render($"SNN conversion of {cnn.Network.Name} on {name}", context,
                    names.Select(m => (m, reports[m])).ToArray()));
            }
            return 0;
        }));
        return command;
    }
}
