using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// Progress as plain lines, for a standard error that is not a terminal (a log file, CI): a task gets a line when it
/// has advanced at least <see cref="PercentStep"/> percentage points or <see cref="TimeStep"/> has passed since its last
/// line (and it moved), never more often. A bar redrawn in place would write a line per refresh to a file instead.
/// </summary>
public sealed class ProgressLineWriter
{
    /// <summary>Percentage points between two lines of one task.</summary>
    public const double PercentStep = 10;

    /// <summary>Time after which a task that moved gets a line even within one <see cref="PercentStep"/>.</summary>
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
            bool seen = _last.TryGetValue(item, out var last);
            bool due = !seen
                || (final && value != last.Value)
                || Math.Floor(percent / PercentStep) > Math.Floor(last.Percent / PercentStep)
                || (now - last.At >= TimeStep && value != last.Value);
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
