using System.CommandLine;
using SnnConvert.IO;
using SnnConvert.Reporting;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert merge OUT PART...</c>: combines the partial results of a sharded run into the unsharded run's output.</summary>
public static class MergeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var output = new Argument<string>("OUT") { Description = "The merged result: the JSON file simulate --json writes" };
        var parts = new Argument<string[]>("PART") { Description = "The partial result of every shard (any order)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Combine the partial results of simulate --shard K/N into the result of the unsharded run (exit 12: parts of different runs, 13: a shard missing or given twice, 14: a part cut short)")
        {
            output, parts,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var loaded = ResultMerger.Load(parse.GetValue(parts)!);
            var (report, snn, method) = ResultMerger.MergeSimulate(loaded);
            string path = parse.GetValue(output)!;
            AtomicFile.WriteAllText(path, SimulateCommand.JsonText(snn, method, report));
            Terminal.Out.Write(SnnRun.ReportTable(report));
            Terminal.Log($"merged {loaded.Count} shards ({report.Images} images) into {path}");
            return 0;
        }));
        return command;
    }
}
