using System.CommandLine;
using System.Text.Json;
using SnnConvert.Benchmarks;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
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
        var synthetic = new Option<bool>("--synthetic") { Description = "SNN workloads: random weights and images even where a bundled model and its test set exist" };
        var sweep = new Option<string?>("--rate-sweep") { Description = "SNN workloads: also measure dense and event-driven time with every threshold scaled by each of these factors, e.g. 0.5,1,2,4,8" };
        var dataDir = CommonOptions.DataDir();
        var skipSnn = new Option<bool>("--ann-only") { Description = "Measure only the CNN workloads" };
        var seed = CommonOptions.Seed();
        var command = new Command("bench", "Measure training and inference throughput (images/s) of the zoo models")
        {
            models, trainBatch, inferBatch, repeats, seconds, json, seed, snnImages, snnSteps, skipAnn, skipSnn, synthetic, sweep, dataDir,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] names = parse.GetValue(models) is { Length: > 0 } given ? given : ModelZoo.All.Select(m => m.Name).ToArray();
            var zoo = names.Select(n => ModelZoo.Find(n) ?? throw new UsageException($"--model: unknown zoo model \"{n}\"")).ToArray();
            // Every option before the first measurement, which may take minutes.
            if (parse.GetValue(repeats) < 1) throw new UsageException("--repeats: must be at least 1");
            foreach (var (option, value) in new[] { ("--train-batch", parse.GetValue(trainBatch)), ("--infer-batch", parse.GetValue(inferBatch)),
                         ("--snn-images", parse.GetValue(snnImages)), ("--snn-steps", parse.GetValue(snnSteps)) })
                if (value < 1) throw new UsageException($"{option}: must be at least 1, got {value}");
            if (!(parse.GetValue(seconds) > 0)) throw new UsageException($"--seconds: must be positive, got {parse.GetValue(seconds)}");
            if (parse.GetValue(skipAnn) && parse.GetValue(skipSnn)) throw new UsageException("--snn-only and --ann-only together leave nothing to measure");
            if (parse.GetValue(sweep) is { } sweepText) _ = ParseFactors(sweepText);
            if (parse.GetValue(dataDir) is { } folder && !Directory.Exists(folder))
                throw new SnnConvert.Errors.DatasetNotFoundException($"--data-dir {folder}: folder does not exist");
            Terminal.LogBackend();
            MachineDescription machine = MachineDescription.Current();
            Console.Out.WriteLine($"{machine.Summary()}; {Blas.Description}");
            var results = new List<ThroughputResult>();
            var snnResults = new List<SnnThroughputResult>();
            var sweeps = new Dictionary<string, IReadOnlyList<EventRateSweepRow>>();
            foreach (ZooModel m in zoo)
            {
                Terminal.Log($"measuring {m.Name} ...");
                if (!parse.GetValue(skipAnn))
                    results.Add(ThroughputBenchmark.Run(m, parse.GetValue(trainBatch), parse.GetValue(inferBatch), parse.GetValue(repeats), parse.GetValue(seconds), parse.GetValue(seed)));
                if (!parse.GetValue(skipSnn))
                {
                    int images = parse.GetValue(snnImages), steps = parse.GetValue(snnSteps), seedValue = parse.GetValue(seed);
                    var (model, data, source) = SnnWorkload(m, images, seedValue, parse.GetValue(synthetic), parse.GetValue(dataDir));
                    SpikingNetwork net = SnnThroughputBenchmark.Balanced(model, data, steps, 100, seedValue);
                    snnResults.Add(SnnThroughputBenchmark.Run(m.Name, source, net, SnnThroughputBenchmark.Template(model), data, steps, 100,
                        parse.GetValue(repeats), seedValue));
                    if (parse.GetValue(sweep) is { } factors)
                        sweeps[m.Name] = SnnThroughputBenchmark.RateSweep(net, data, steps, 100, parse.GetValue(repeats), ParseFactors(factors));
                }
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
                var table = new Table().AddColumns("model", "weights and images", "T", "firing rate", "dense image-steps/s", "event-driven image-steps/s",
                    "auto image-steps/s", "max-current calibration image-steps/s");
                foreach (var r in snnResults)
                    table.AddRow(r.Model, Markup.Escape(r.Source), $"{r.Steps}", $"{r.FiringRate:F4}", $"{r.DenseImageStepsPerSecond:F0}",
                        $"{r.EventDrivenImageStepsPerSecond:F0}", $"{r.AutoImageStepsPerSecond:F0}", $"{r.CalibrationImageStepsPerSecond:F0}");
                Terminal.Out.Write(table);
            }
            foreach (var (name, rows) in sweeps)
            {
                var table = new Table().Title($"{name}: firing rate versus engine time").AddColumns("threshold scale", "firing rate", "dense image-steps/s",
                    "event-driven image-steps/s", "event / dense");
                foreach (var r in rows)
                    table.AddRow($"{r.ThresholdScale:G}", $"{r.FiringRate:F4}", $"{r.DenseImageStepsPerSecond:F0}", $"{r.EventDrivenImageStepsPerSecond:F0}",
                        $"{r.EventDrivenImageStepsPerSecond / r.DenseImageStepsPerSecond:F2}x");
                Terminal.Out.Write(table);
            }
            if (parse.GetValue(json) is { } path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    tool = "snnconvert",
                    blas = Blas.Gemm.Name,
                    processors = Environment.ProcessorCount,
                    machine,
                    trainBatch = parse.GetValue(trainBatch),
                    inferBatch = parse.GetValue(inferBatch),
                    results,
                    snnResults,
                    rateSweeps = sweeps,
                }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return 0;
        }));
        return command;
    }

    // The bundled model and its test set where both are present (realistic firing rates), else random weights and images.
    private static (SavedModel Model, ImageDataset Data, string Source) SnnWorkload(ZooModel zoo, int images, int seed, bool synthetic, string? dataDir)
    {
        if (!synthetic && BundledModels.TryFind(zoo) is { } path)
        {
            DatasetInfo info = DatasetCatalog.Find(zoo.Dataset);
            if (DatasetLocator.CreateDefault(dataDir).TryLocate(info, "test") is { } location)
                return (ModelFile.Load(path), DatasetLoader.LoadFrom(info, location.Path, "test").Take(images), $"{BundledModels.RelativePath(zoo)}, {zoo.Dataset} test images");
        }
        var (model, data) = SnnThroughputBenchmark.Synthetic(zoo, images, seed);
        return (model, data, "random");
    }

    private static double[] ParseFactors(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => double.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out double f) && f > 0
                ? f : throw new UsageException($"--rate-sweep: \"{p}\" is not a positive factor (expected e.g. 0.5,1,2,4)"))
            .ToArray();
}
