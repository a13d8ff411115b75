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
        var seed = CommonOptions.Seed();
        var command = new Command("bench", "Measure training and inference throughput (images/s) of the zoo models")
        {
            models, trainBatch, inferBatch, repeats, seconds, json, seed,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] names = parse.GetValue(models) is { Length: > 0 } given ? given : ModelZoo.All.Select(m => m.Name).ToArray();
            var zoo = names.Select(n => ModelZoo.Find(n) ?? throw new UsageException($"--model: unknown zoo model \"{n}\"")).ToArray();
            if (parse.GetValue(repeats) < 1) throw new UsageException("--repeats: must be at least 1");
            Terminal.LogBackend();
            var results = new List<ThroughputResult>();
            foreach (ZooModel m in zoo)
            {
                Terminal.Log($"measuring {m.Name} ...");
                results.Add(ThroughputBenchmark.Run(m, parse.GetValue(trainBatch), parse.GetValue(inferBatch), parse.GetValue(repeats), parse.GetValue(seconds), parse.GetValue(seed)));
            }
            var table = new Table().AddColumns("model", "train images/s", "inference images/s", "train runs", "inference runs");
            foreach (var r in results)
                table.AddRow(r.Model, $"{r.TrainImagesPerSecond:F1}", $"{r.InferImagesPerSecond:F1}",
                    string.Join(" ", r.TrainRuns.Select(v => v.ToString("F0"))), string.Join(" ", r.InferRuns.Select(v => v.ToString("F0"))));
            Terminal.Out.Write(table);
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    tool = "snnconvert",
                    blas = SnnConvert.Tensors.Blas.Gemm.Name,
                    processors = Environment.ProcessorCount,
                    trainBatch = parse.GetValue(trainBatch),
                    inferBatch = parse.GetValue(inferBatch),
                    results,
                }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }));
        return command;
    }
}
