using System.CommandLine;
using System.Diagnostics;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Cli.Commands;

/// <summary>
/// <c>snnconvert reproduce</c>: the seed paper's experiment on one or all datasets (bundled model, all methods,
/// T = 1..256) written as report.md, results.json and plots. The pipeline itself is <see cref="ReproductionRun"/>.
/// </summary>
public static class ReproduceCommand
{
    /// <summary>The datasets of <c>--dataset all</c>, in order.</summary>
    public static readonly string[] Datasets = ["mnist", "fmnist", "cifar10"];

    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var o = new SnnOptions();
        var source = new ModelSource("Trained CNN (.snnm) instead of the bundled models/<zoo model>.snnm");
        var dataset = new Option<string>("--dataset") { Description = "mnist, fmnist, cifar10 or all", Required = true };
        var train = new Option<bool>("--train") { Description = "Train the zoo model with its recipe and --seed first (into the output folder) instead of using the bundled one" };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: results/<dataset>; with --dataset all, <out>/<dataset>)" };
        var methods = new Option<string>("--methods") { Description = "Comma-separated methods (default: all five)", DefaultValueFactory = _ => string.Join(",", ThresholdMethods.Names) };
        var variants = new Option<bool>("--variants")
        {
            Description = $"Also run the max-current variant beyond the paper \"{MethodVariant.Percentile999Label}\" (--percentile 99.9) and the " +
                "low-latency rows (--low-latency-rows); " +
                $"max-current is always reported both by default and as \"{MethodVariant.AsWrittenLabel}\" (--as-written)",
            DefaultValueFactory = _ => true,
        };
        var lowLatencyRows = new Option<string?>("--low-latency-rows")
        {
            Description = $"Target latencies T of the rows \"{LowLatencyRows.TargetLabel(8).Replace("8", "T", StringComparison.Ordinal)}\" (--target-T T) and " +
                $"\"{LowLatencyRows.PresetLabel(8).Replace("8", "T", StringComparison.Ordinal)}\" (--low-latency T), comma-separated, or none " +
                "(default with --variants: mnist 2,4,8; fmnist 8,16,32; cifar10 16,32,64)",
        };
        var qcfsModel = new Option<string?>("--qcfs-model")
        {
            Description = "QCFS version of the CNN (.snnm: the same architecture with QCFS activations) converted with the qcfs method in a row of its own, " +
                "\"qcfs L=<levels>\", compared with its own CNN; or none. Default: models/<zoo model>-qcfs.snnm beside the bundled CNN, when there is one",
        };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var shard = CommonOptions.Shard();
        shard.Description = $"Simulate only shard K of N (K from 0, e.g. 0/4) of the test images (or, with --shard-by methods, of the methods), writing <out>/{ReproduceShardOutput.FileName(new ShardSpec(0, 4)).Replace("0-of-4", "K-of-N", StringComparison.Ordinal)} for `snnconvert merge`";
        var command = new Command("reproduce", "Reproduce the paper on a dataset: convert with every method, simulate T = 1..256, write report.md, results.json and plots")
        {
            dataset, source.Model, source.Onnx, train, outDir, methods, variants, lowLatencyRows, qcfsModel, seed, dataDir, download, shard,
        };
        var conversions = new ConversionsOptions();
        conversions.AddTo(command);
        var shardBy = CommonOptions.ShardBy();
        command.Add(shardBy);
        // reproduce reports max-current both ways (MethodVariant.AsWrittenLabel beside the default), so it has no --as-written.
        foreach (var option in o.Calibration.Concat(o.Simulation).Where(option => option != o.AsWritten)) command.Add(option);
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string name = parse.GetValue(dataset)!.ToLowerInvariant();
            string[] datasets = name == "all" ? Datasets : [name];
            if (!Datasets.Contains(name) && name != "all")
                throw new UsageException($"--dataset: unknown dataset \"{name}\", expected one of {string.Join(", ", Datasets)} or all");
            bool explicitModel = source.Path(parse) is not null;
            if (explicitModel && datasets.Length > 1) throw new UsageException("--model/--onnx name one CNN; use them with a single --dataset, not all");
            if (explicitModel && parse.GetValue(train)) throw new UsageException("--train trains the zoo model; do not also give --model or --onnx");
            string? qcfsFile = parse.GetValue(qcfsModel) is { } q && !q.Trim().Equals("none", StringComparison.OrdinalIgnoreCase) ? q : null;
            if (qcfsFile is not null && datasets.Length > 1) throw new UsageException("--qcfs-model names one QCFS CNN; use it with a single --dataset, not all");
            ShardSpec? shardSpec = CommonOptions.WithShardAxis(parse, parse.GetValue(shard) is { } shardText ? ShardSpec.Parse(shardText) : null, shardBy);
            if (shardSpec is not null && (datasets.Length > 1 || parse.GetValue(train)))
                throw new UsageException("--shard: shard one --dataset with a trained model (not all, not --train)");
            conversions.Validate(parse, shardSpec);
            if (parse.GetValue(conversions.Folder) is not null && (datasets.Length > 1 || parse.GetValue(train)))
                throw new UsageException("--conversions: calibrate one --dataset with a trained model (not all, not --train)");
            // Every bundled model is looked up before anything runs, so `all` fails at once rather than after an hour.
            var bundled = new Dictionary<string, string>();
            if (!explicitModel && !parse.GetValue(train))
                foreach (string d in datasets) bundled[d] = FindBundled(BundledModels.ForDataset(d));
            string[] names = parse.GetValue(methods)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            IReadOnlyList<int>? rowSteps = LowLatencySteps(parse.GetValue(lowLatencyRows));
            // A run-wide --target-T, --calibrate or --low-latency already applies to every row: no rows of their own then.
            bool runWide = o.TargetSteps(parse) is not null || o.PostCalibrationChoice(parse) != PostCalibration.None;
            if (runWide && rowSteps is { Count: > 0 })
                throw new UsageException("--low-latency-rows: --target-T, --calibrate and --low-latency already apply to every row of this run; give the rows or those, not both");
            var optionsOf = datasets.ToDictionary(d => d, d => o.Reproduction(parse, MethodVariant.Build(names, parse.GetValue(variants), parse.GetValue(o.Percentile),
                SnnOptions.ParseEnum<ThresholdGranularity>("--granularity", parse.GetValue(o.Granularity)!), bothSeedForms: true,
                lowLatency: rowSteps ?? (parse.GetValue(variants) && !runWide ? LowLatencyRows.DefaultSteps(d) : null)), parse.GetValue(seed)));
            foreach (var options in optionsOf.Values) options.Validate();
            SnnOptions.CheckLimit("--limit", parse.GetValue(o.Limit));   // before the training split is read
            string commandLine = "snnconvert " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1));
            Terminal.LogBackend();
            foreach (string d in datasets)
            {
                ReproductionOptions baseOptions = optionsOf[d];
                string folder = parse.GetValue(outDir) is { } root ? (datasets.Length > 1 ? Path.Combine(root, d) : root) : Path.Combine("results", d);
                var trainSplit = DatasetAccess.Load(d, "train", parse.GetValue(dataDir), parse.GetValue(download), null);
                var testSplit = DatasetAccess.Load(d, "test", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(o.Limit));
                double? trainingSeconds = null;
                SavedModel cnn;
                string modelPath, modelFile;
                if (parse.GetValue(train))
                {
                    ZooModel zoo = BundledModels.ForDataset(d);
                    var paths = new TrainingPaths(Path.Combine(folder, zoo.Name + ".snnm"));
                    var trainOptions = TrainOptions.FromRecipe(zoo.Recipe, parse.GetValue(seed));
                    Terminal.Log($"training {zoo.Name} with its recipe ({trainOptions}) into {paths.Model}");
                    var clock = Stopwatch.StartNew();
                    cnn = null!;
                    Terminal.Progress().Start(ctx =>
                        cnn = new Trainer(trainOptions, paths, new TrainingProgressObserver(ctx)).Run(zoo, trainSplit, DatasetAccess.Load(d, "test", parse.GetValue(dataDir), false, null), false, commandLine));
                    trainingSeconds = clock.Elapsed.TotalSeconds;
                    modelPath = modelFile = paths.Model;
                }
                else if (explicitModel)
                {
                    cnn = source.Load(parse, d);
                    modelPath = modelFile = source.Path(parse)!;
                }
                else
                {
                    cnn = ModelFile.Load(modelFile = bundled[d]);
                    modelPath = BundledModels.RelativePath(BundledModels.ForDataset(d));   // the report names the file as the repository does

                }
                ReproductionOptions options = parse.GetValue(qcfsModel) is not null && qcfsFile is null ? baseOptions   // --qcfs-model none
                    : WithQcfsRow(baseOptions, cnn, qcfsFile, explicitModel || parse.GetValue(train) ? null : (BundledModels.ForDataset(d), bundled[d]));
                Terminal.Log($"{d}: {cnn.Network.Name} from {modelPath}; {options.Methods.Count} methods, T up to {options.Timesteps.Max()}");
                if (conversions.TryCalibrateOnly(parse, cnn, d, trainSplit, options, new ConsoleReproductionObserver())) continue;
                ConversionsFolder? calibrated = conversions.Open(parse, cnn, d, trainSplit, options);
                if (shardSpec is not null)
                {
                    ReproducePartial partial = ReproductionShard.Run(cnn, modelPath, d, trainSplit, testSplit, options, shardSpec, new ConsoleReproductionObserver(), commandLine,
                        calibrated);
                    Directory.CreateDirectory(folder);
                    ReproduceShardOutput.Write("reproduce", shardSpec, partial, modelFile, Path.Combine(folder, ReproduceShardOutput.FileName(shardSpec)));
                    continue;
                }
                var checkpoints = ReproductionCheckpoints.For(folder, cnn, d, testSplit.Count, trainSplit.Count, options);
                var report = ReproductionRun.Run(cnn, modelPath, d, trainSplit, testSplit, options, new ConsoleReproductionObserver(), commandLine, trainingSeconds,
                    checkpoints, calibrated);
                var files = ReproductionOutput.Write(report, folder);
                checkpoints.Clear();
                Terminal.Log($"{d}: wrote {string.Join(", ", files)}");
                Console.Out.WriteLine($"{d}: report {Path.Combine(folder, ReproductionOutput.ReportFile)} (CNN {report.CnnAccuracy:F2}%)");
            }
            return 0;
        }));
        return command;
    }

    // --low-latency-rows: null when not given (the dataset's default), empty for "none".
    private static int[]? LowLatencySteps(string? text)
    {
        if (text is null) return null;
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return [];
        var steps = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            steps.Add(int.TryParse(part, out int t) && t > 0 ? t
                : throw new UsageException($"--low-latency-rows: \"{part}\" is not a positive number of time steps (expected e.g. 4,8,16, or none)"));
        return steps.Count > 0 ? [.. steps.Distinct().Order()] : throw new UsageException("--low-latency-rows: give target latencies, e.g. 4,8,16, or none");
    }

    // The row of the QCFS CNN: the file given, else the one bundled beside the bundled CNN (models/<zoo>-qcfs.snnm; left
    // out, with a line saying why, when this run cannot convert it), else none.
    private static ReproductionOptions WithQcfsRow(ReproductionOptions options, SavedModel cnn, string? given, (ZooModel Zoo, string File)? bundledCnn)
    {
        if (given is not null) return QcfsRow.Add(options, cnn, ModelFile.Load(given), given);
        if (bundledCnn is not var (zoo, file) || BundledModels.TryFindQcfs(zoo, file) is not { } path) return options;
        SavedModel qcfs = ModelFile.Load(path);
        if (QcfsRow.Problem(cnn, qcfs, options) is { } problem)
        {
            Terminal.Log($"{zoo.Dataset}: no qcfs row for {BundledModels.QcfsRelativePath(zoo)}: {problem}");
            return options;
        }
        Terminal.Log($"{zoo.Dataset}: adding the row of the bundled QCFS CNN {BundledModels.QcfsRelativePath(zoo)} (--qcfs-model none leaves it out)");
        return QcfsRow.Add(options, cnn, qcfs, BundledModels.QcfsRelativePath(zoo));
    }

    // The library's own message knows no flags; this one says which to give.
    private static string FindBundled(ZooModel zoo)
    {
        IReadOnlyList<string> roots = BundledModels.DefaultRoots;
        return BundledModels.TryFind(zoo, roots) ?? throw new UsageException(BundledModels.NotFound(zoo, roots) +
            $"; give --model FILE.snnm or --onnx FILE.onnx, or --train to train {zoo.Name} with its recipe first");
    }
}
