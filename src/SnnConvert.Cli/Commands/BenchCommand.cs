using System.CommandLine;
using System.Text.Json;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Training;
using Spectre.Console;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert bench</c>: training and inference throughput of zoo models on random inputs.</summary>
public static class BenchCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "Zoo models to measure (default: all)", AllowMultipleArgumentsPerToken = true };
        var trainBatch = new Option<int>("--train-batch") { Description = "Training batch size", DefaultValueFactory = _ => 64 };
        var inferBatch = new Option<int>("--infer-batch") { Description = "Inference batch size", DefaultValueFactory = _ => 256 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repeats per workload (the median is reported)", DefaultValueFactory = _ => 5 };
        var seconds = new Option<double>("--seconds") { Description = "Minimum seconds per repeat", DefaultValueFactory = _ => 3 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file" };
        var snnImages = new Option<int>("--snn-images") { Description = "SNN workloads: images per run", DefaultValueFactory = _ => 200 };
        var snnSteps = new Option<int>("--snn-steps") { Description = "SNN workloads: time steps T (and T_calib)", DefaultValueFactory = _ => 32 };
        var skipAnn = new Option<bool>("--snn-only") { Description = "Measure only the SNN workloads" };
        var skipSnn = new Option<bool>("--ann-only") { Description = "Measure only the CNN workloads" };
        var seed = CommonOptions.Seed();
        var command = new Command("bench", "Measure training and inference throughput (images/s) of the zoo models")
        {
            models, trainBatch, inferBatch, repeats, seconds, json, seed, snnImages, snnSteps, skipAnn, skipSnn,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] names = parse.GetValue(models) is { Length: > 0 } given ? given : ModelZoo.All.Select(m => m.Name).ToArray();
            var zoo = names.Select(n => ModelZoo.Find(n) ?? throw new UsageException($"--model: unknown zoo model \"{n}\"")).ToArray();
            if (parse.GetValue(repeats) < 1) throw new UsageException("--repeats: must be at least 1");
            Terminal.LogBackend();
            var results = new List<ThroughputResult>();
            var snnResults = new List<SnnThroughputResult>();
            foreach (ZooModel m in zoo)
            {
                Terminal.Log($"measuring {m.Name} ...");
                if (!parse.GetValue(skipAnn))
                    results.Add(ThroughputBenchmark.Run(m, parse.GetValue(trainBatch), parse.GetValue(inferBatch), parse.GetValue(repeats), parse.GetValue(seconds), parse.GetValue(seed)));
                if (!parse.GetValue(skipSnn))
                    snnResults.Add(SnnThroughputBenchmark.Run(m, parse.GetValue(snnImages), parse.GetValue(snnSteps), 100, parse.GetValue(repeats), parse.GetValue(seed)));
            }
            if (results.Count > 0)
            {
                var table = new Table().AddColumns("model", "train images/s", "inference images/s", "train runs", "inference runs");
                foreach (var r in results)
                    table.AddRow(r.Model, $"{r.TrainImagesPerSecond:F1}", $"{r.InferImagesPerSecond:F1}",
                        string.Join(" ", r.TrainRuns.Select(v => v.ToString("F0"))), string.Join(" ", r.InferRuns.Select(v => v.ToString("F0"))));
                Terminal.Out.Write(table);
            }
            if (snnResults.Count > 0)
            {
                var table = new Table().AddColumns("model", "T", "SNN simulation image-steps/s", "max-current calibration image-steps/s");
                foreach (var r in snnResults)
                    table.AddRow(r.Model, $"{r.Steps}", $"{r.SimulationImageStepsPerSecond:F0}", $"{r.CalibrationImageStepsPerSecond:F0}");
                Terminal.Out.Write(table);
            }
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    tool = "snnconvert",
                    blas = SnnConvert.Tensors.Blas.Gemm.Name,
                    processors = Environment.ProcessorCount,
                    trainBatch = parse.GetValue(trainBatch),
                    inferBatch = parse.GetValue(inferBatch),
                    results,
                    snnResults,
                }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }));
        return command;
    }
}
