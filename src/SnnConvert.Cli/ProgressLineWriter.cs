using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// Progress as plain lines, for a standard error that is not a terminal (a log file, CI). A bar redrawn in place would
/// write a line per refresh there; instead a task gets a line only when it has passed into a new
/// <see cref="PercentStep"/> band since its last line and at least <see cref="TimeStep"/> has gone by, so at most one
/// line per 10 % and at most one per 10 s, and a line with its last state when it ends. A task of a few seconds thus
/// writes one line, a long one about one per 10 % or per 10 s, whichever is rarer.
/// </summary>
public sealed class ProgressLineWriter
{
    /// <summary>Percentage points between two lines of one task.</summary>
    public const double PercentStep = 10;

    /// <summary>The shortest time between two lines of one task.</summary>
    public static readonly TimeSpan TimeStep = TimeSpan.FromSeconds(10);

    private readonly TextWriter _output;
    private readonly Func<TimeSpan> _clock;
    private readonly Lock _gate = new();
    private readonly Dictionary<ProgressItem, (double Percent, double Value, TimeSpan At)> _last = [];

    /// <summary>Creates a writer to <paramref name="output"/>.</summary>
    /// <param name="output">Where the lines go (standard error).</param>
    /// <param name="clock">Time since some fixed start; null for a stopwatch started now (tests pass a fake one).</param>
    public ProgressLineWriter(TextWriter output, Func<TimeSpan>? clock = null)
    {
        _output = output;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    /// <summary>Called when <paramref name="item"/> changed; writes a line when the throttle allows one.</summary>
    /// <param name="item">The task.</param>
    /// <param name="final">The task has ended: its last state gets a line unless that state already has one.</param>
    public void Update(ProgressItem item, bool final = false)
    {
        lock (_gate)
        {
            TimeSpan now = _clock();
            double value = item.Value, percent = item.Percent;
            // Before its first line a task counts as having had one at its start, at 0 %.
            var last = _last.TryGetValue(item, out var l) ? l : (Percent: 0.0, Value: double.NaN, At: item.StartedAt);
            bool due = final
                ? value != last.Value
                : Math.Floor(percent / PercentStep) > Math.Floor(last.Percent / PercentStep) && now - last.At >= TimeStep;
            if (!due) return;
            _last[item] = (percent, value, now);
            TimeSpan elapsed = now - item.StartedAt;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Markup.Remove(item.Description)}: {percent:0}% ({value:0.##}/{item.MaxValue:0.##}), {elapsed.TotalSeconds:0} s"));
        }
    }

    /// <summary>The writer's clock, for the start times of its tasks.</summary>
    public TimeSpan Now => _clock();
}
