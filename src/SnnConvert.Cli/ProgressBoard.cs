using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>The tasks of one progress display (see <see cref="TerminalProgress"/>): bars on a terminal, throttled lines otherwise.</summary>
public sealed class ProgressBoard
{
    private readonly ProgressContext? _bars;
    private readonly ProgressLineWriter? _lines;
    private readonly List<ProgressItem> _items = [];

    internal ProgressBoard(ProgressContext bars) => _bars = bars;

    /// <summary>A board that reports through <paramref name="lines"/>.</summary>
    public ProgressBoard(ProgressLineWriter lines) => _lines = lines;

    /// <summary>Adds a task of <paramref name="maxValue"/> units of work.</summary>
    /// <param name="description">Spectre markup (escape plain text with <see cref="Markup.Escape"/>).</param>
    /// <param name="maxValue">The total amount of work.</param>
    public ProgressItem AddTask(string description, double maxValue = 100)
    {
        var item = _bars is not null ? new ProgressItem(_bars.AddTask(description, maxValue: maxValue)) : new ProgressItem(_lines!, description, maxValue);
        _items.Add(item);
        return item;
    }

    /// <summary>Ends every task (a line for each last state that has none yet).</summary>
    public void StopAll()
    {
        foreach (ProgressItem item in _items) item.StopTask();
    }
}
