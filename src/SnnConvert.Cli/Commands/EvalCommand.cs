using System.CommandLine;
using SnnConvert.Models;
using SnnConvert.Training;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert eval</c>: test accuracy of a saved CNN.</summary>
public static class EvalCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var source = new ModelSource("Model file (.snnm)");
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset (default: the one recorded in the model file)";
        var split = new Option<string>("--split") { Description = "train or test", DefaultValueFactory = _ => "test" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N images" };
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("eval", "Print the accuracy of a saved CNN on a dataset split") { source.Model, source.Onnx, dataset, split, limit, dataDir, download };
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            SavedModel saved = source.Load(parse, parse.GetValue(dataset));
            string name = parse.GetValue(dataset) ?? saved.Dataset
                ?? throw new UsageException("--dataset: the model records no dataset (an ONNX model never does); name one");
            var data = DatasetAccess.Load(name, parse.GetValue(split)!, parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(limit));
            Terminal.LogBackend();
            EvaluationResult result = null!;
            Terminal.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"eval {data.Name}", maxValue: data.Count);
                result = Evaluator.Evaluate(saved.Network, data, progress: new SyncProgress<int>(done => task.Value = done));
                task.Value = data.Count;
            });
            Console.Out.WriteLine($"images: {result.Count}");
            Console.Out.WriteLine($"loss: {result.Loss:F4}");
            Console.Out.WriteLine($"accuracy: {result.AccuracyPercent:F2}%");
            foreach (string line in QcfsArchitecture.DescribeThresholds(saved.Network)) Console.Out.WriteLine($"threshold {line}");
            if (NearChanceHint(result.AccuracyPercent, saved.ClassNames.Count, source.IsOnnx(parse), source.HasInputScaling(parse)) is { } hint)
                Console.Out.WriteLine(hint);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The hint printed when an ONNX model's accuracy is within 4x of chance (100 / K %), or null: a trained model that scores
    /// so low most often gets its pixels in another range than it was trained on (SnnConvert feeds [0, 1]; many
    /// PyTorch models expect Normalize(mean, std) applied outside the model, Keras and CNTK models often 0-255).
    /// </summary>
    /// <param name="accuracyPercent">The measured accuracy.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="onnx">Whether the model came from an ONNX file (the only kind whose preprocessing is unknown; null otherwise).</param>
    /// <param name="inputScalingGiven">Whether --input-* options were given.</param>
    public static string? NearChanceHint(double accuracyPercent, int classes, bool onnx, bool inputScalingGiven)
    {
        double chance = 100.0 / Math.Max(classes, 1);
        if (accuracyPercent >= 4 * chance) return null;
        // A SnnConvert model records its normalisation; only an ONNX file's preprocessing is unknown.
        if (!onnx) return null;
        string near = $"note: accuracy {accuracyPercent:F2}% is near chance ({chance:F2}% for {classes} classes)";
        return inputScalingGiven
            ? $"{near}; check the input options (--input-scale, --input-mean, --input-std) against the preprocessing the model was trained with, and --dataset"
            : $"{near}. A likely cause is the input range: SnnConvert feeds pixels in [0, 1], and a model trained with normalisation outside the graph " +
              "needs it named: --input-mean 0.5 --input-std 0.5 for PyTorch's Normalize((0.5,), (0.5,)), the dataset's mean and std per channel for " +
              "Normalize(mean, std), --input-scale 255 for a model trained on 0-255 pixels (see docs/onnx.md)";
    }
}
