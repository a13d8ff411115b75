using System.CommandLine;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Reporting;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert merge OUT PART...</c>: combines the partial results of a sharded run into the unsharded run's output.</summary>
public static class MergeCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var output = new Argument<string>("OUT") { Description = "The merged result: for simulate and compare the --json file, for reproduce the output folder (report.md, results.json, plots)" };
        var parts = new Argument<string[]>("PART") { Description = "The partial result of every shard (any order)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Combine the partial results of simulate, compare or reproduce --shard K/N into the result of the unsharded run (exit 12: parts of different runs, 13: a shard missing or given twice, 14: a part cut short)")
        {
            output, parts,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var loaded = ResultMerger.Load(parse.GetValue(parts)!);
            string path = parse.GetValue(output)!;
            switch (loaded[0].Part.Kind)
            {
                case "simulate":
                    var (report, snn, method) = ResultMerger.MergeSimulate(loaded);
                    AtomicFile.WriteAllText(path, SimulateCommand.JsonText(snn, method, report));
                    Terminal.Out.Write(SnnRun.ReportTable(report));
                    break;
                case "compare":
                    AtomicFile.WriteAllText(path, CompareCommand.JsonText(ResultMerger.MergeReproduce(loaded)));
                    break;
                case "reproduce":
                    var files = ReproductionOutput.Write(ResultMerger.MergeReproduce(loaded), path);
                    Terminal.Log($"wrote {string.Join(", ", files)}");
                    break;
                default:
                    throw new PartialResultFormatException($"{loaded[0].Path}: a partial result of \"{loaded[0].Part.Kind}\", which merge does not know");
            }
            Terminal.Log($"merged {loaded.Count} shards ({loaded[0].Part.TotalImages} test images) into {path}");
            return 0;
        }));
        return command;
    }
}
