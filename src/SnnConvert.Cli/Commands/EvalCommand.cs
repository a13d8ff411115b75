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
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            SavedModel saved = source.Load(parse, parse.GetValue(dataset));
            string name = parse.GetValue(dataset) ?? saved.Dataset
                ?? throw new Errors.UsageException("--dataset: the model records no dataset (an ONNX model never does); name one");
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
            return 0;
        }));
        return command;
    }
}
