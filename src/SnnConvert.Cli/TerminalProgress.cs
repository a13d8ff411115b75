using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// A progress display on standard error: Spectre.Console bars (description, bar, percentage, elapsed and remaining
/// time) when it is a terminal; otherwise lines of <see cref="ProgressLineWriter"/>, at most one per task per 10 %
/// or per 10 s, so a log file does not get a line per refresh.
/// </summary>
/// <param name="lines">The line writer to use, or null to draw bars.</param>
public sealed class TerminalProgress(ProgressLineWriter? lines)
{
    /// <summary>Runs <paramref name="work"/> with a board to add tasks to; every task has ended when it returns.</summary>
    public void Start(Action<ProgressBoard> work)
    {
        if (lines is not null)
        {
            var board = new ProgressBoard(lines);
            work(board);
            board.StopAll();
            return;
        }
        Terminal.Error.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ProgressBoard(ctx)));
    }
}
