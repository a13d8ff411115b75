using System.CommandLine;
using SnnConvert.Reporting;

namespace SnnConvert.Cli.Commands;

/// <summary>
/// <c>snnconvert report DIR</c>: writes report.md and the plots of a reproduction folder again from its results.json
/// (after an upgrade changed the report or the plots, or on a folder whose results.json came from elsewhere).
/// </summary>
public static class ReportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var folder = new Argument<string>("DIR") { Description = "A folder written by reproduce or merge (it holds results.json)" };
        var command = new Command("report", "Write report.md and the plots of a reproduce folder again from its results.json (same numbers; exit 15: results.json missing or unreadable)")
        {
            folder,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string dir = parse.GetValue(folder)!;
            ReproductionReport report = ReproductionReport.Read(Path.Combine(dir, ReproductionOutput.ResultsFile));
            var files = ReproductionOutput.Write(report, dir);
            Terminal.Log($"wrote {string.Join(", ", files)}");
            return 0;
        }));
        return command;
    }
}
