using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert simulate</c>: accuracy of an SNN at every latency, with activity and energy.</summary>
public static class SimulateCommand
{
    /// <summary>JSON options of reports (camelCase, indented).</summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var o = new SnnOptions();
        var snnPath = new Option<string>("--snn") { Description = "Converted network (.snn, or a NIR graph .nir)", Required = true };
        var source = new ModelSource("The source CNN (.snnm): adds its accuracy, the conversion loss and the agreement of predictions");
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset whose test split is simulated (default: the SNN's)";
        var readout = new Option<string?>("--readout") { Description = "Override the readout: membrane or spike-count" };
        var json = new Option<string?>("--json") { Description = "Write the table as JSON (one record per T) to this file (with --shard: the shard's partial result)" };
        var shard = CommonOptions.Shard();
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("simulate", "Simulate an SNN on a test set and report accuracy, activity and energy at each latency T")
        {
            snnPath, source.Model, source.Onnx, dataset, readout, json, seed, dataDir, download, shard,
        };
        foreach (var option in o.Simulation) command.Add(option);
        command.Add(o.Engine);
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            o.ValidateSimulation(parse);   // every option before the network and the data
            ShardSpec? shardSpec = CommonOptions.ParseShard(parse, shard, json);
            Readout? readoutChoice = parse.GetValue(readout) is { } r ? SnnOptions.ParseEnum<Readout>("--readout", r) : null;
            SpikingNetwork snn = SpikingNetworkFile.Load(parse.GetValue(snnPath)!);
            int[] timesteps = SnnOptions.ParseTimesteps(parse.GetValue(o.Timesteps)!);
            string name = parse.GetValue(dataset) ?? snn.Dataset ?? throw new UsageException("--dataset: the SNN file records no dataset; name one");
            var test = DatasetAccess.Load(name, "test", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(o.Limit));
            var options = new SimulationOptions(timesteps.Max(), SnnOptions.ParseEnum<InputEncoding>("--encoding", parse.GetValue(o.Encoding)!),
                parse.GetValue(seed), parse.GetValue(o.BatchSize), readoutChoice, o.EngineChoice(parse));
            options.Validate();
            Terminal.LogBackend();
            if (shardSpec is not null)
            {
                SimulateShard.Run(shardSpec, parse.GetValue(snnPath)!, snn, name, test, options, timesteps,
                    source.LoadOptional(parse, name) is { } shardCnn ? (RequireSameInput(snn, shardCnn, parse.GetValue(snnPath)!), source.Path(parse)!) : null,
                    parse.GetValue(json)!);
                return 0;
            }
            int[]? cnnPredictions = null;
            double? cnnAccuracy = null;
            long cnnMacs = 0;
            if (source.LoadOptional(parse, name) is { } cnn)
            {
                RequireSameInput(snn, cnn, parse.GetValue(snnPath)!);
                (cnnPredictions, cnnAccuracy) = Evaluator.Reference(cnn.Network, test);
                cnnMacs = cnn.Network.Macs;
            }
            SimulationResult result = SnnRun.Simulate(snn, test, options, cnnPredictions, cnnMacs, $"{snn.Conversion.Method}");
            var report = SimulationReport.From(result, timesteps, cnnAccuracy);
            Terminal.Out.Write(SnnRun.ReportTable(report));
            Terminal.Out.Write(SnnRun.LayerTable(report));
            if (snn.ReadoutDelay > 0)
                Console.Out.WriteLine((readoutChoice ?? snn.Readout) == Readout.Membrane
                    ? $"readout delay: the output layer integrates from step {snn.ReadoutDelay + 1} on (delayed evaluation); up to T = {snn.ReadoutDelay} it has read nothing and every image gets class 0"
                    : $"readout delay: {snn.ReadoutDelay} steps, not applied: it delays the membrane readout, and this run reads spike counts");
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonText(parse.GetValue(snnPath)!, snn.Conversion.Method, report));
            return 0;
        }));
        return command;
    }

    /// <summary>The --json file's text: the .snn path, the method and the report (also what <c>merge</c> writes).</summary>
    public static string JsonText(string snn, string? method, SimulationReport report) => JsonSerializer.Serialize(new { snn, method, report }, Json);

    // The agreement with the CNN means something only when the CNN sees its input as it did at conversion: an ONNX
    // file's --input-scale/--input-mean/--input-std are recorded in the SNN (conversion.input) and must match.
    private static SavedModel RequireSameInput(SpikingNetwork snn, SavedModel cnn, string snnPath)
    {
        InputPreprocessing? converted = snn.Conversion.Input, given = cnn.Training["input"] is { } g ? InputPreprocessing.FromJson(g) : null;
        if (converted is null ? given is null : converted.SameAs(given)) return cnn;
        static string Text(InputPreprocessing? p) => p is null ? "no input scaling (pixels in [0, 1])" : p.ToString();
        throw new UsageException($"{snnPath}: the SNN was converted from a CNN fed with {Text(converted)}, but the CNN given here is fed with {Text(given)}; " +
            "give simulate the same --input-scale/--input-mean/--input-std as convert, so that the agreement compares like with like");
    }
}
