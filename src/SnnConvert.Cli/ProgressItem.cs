using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// One task of a <see cref="ProgressBoard"/>: a bar of Spectre.Console's on a terminal, or a task that
/// <see cref="ProgressLineWriter"/> reports as throttled lines when standard error is not a terminal.
/// </summary>
public sealed class ProgressItem
{
    private readonly ProgressTask? _bar;
    private readonly ProgressLineWriter? _lines;
    private string _description;
    private double _value, _maxValue;

    internal ProgressItem(ProgressTask bar)
    {
        _bar = bar;
        _description = bar.Description;
        _maxValue = bar.MaxValue;
    }

    internal ProgressItem(ProgressLineWriter lines, string description, double maxValue)
    {
        _lines = lines;
        _description = description;
        _maxValue = maxValue;
        StartedAt = lines.Now;
    }

    /// <summary>When the task was added, on its line writer's clock (zero for a bar).</summary>
    public TimeSpan StartedAt { get; }

    /// <summary>The description (Spectre markup, escaped where it is plain text).</summary>
    public string Description
    {
        get => _description;
        set { _description = value; if (_bar is not null) _bar.Description = value; }
    }

    /// <summary>Work done so far, in units of <see cref="MaxValue"/>.</summary>
    public double Value
    {
        get => _value;
        set
        {
            _value = value;
            if (_bar is not null) _bar.Value = value;
            else _lines!.Update(this);
        }
    }

    /// <summary>The total amount of work.</summary>
    public double MaxValue
    {
        get => _maxValue;
        set { _maxValue = value; if (_bar is not null) _bar.MaxValue = value; }
    }

    /// <summary>Share done, 0 to 100.</summary>
    public double Percent => _maxValue > 0 ? Math.Clamp(100 * _value / _maxValue, 0, 100) : 100;

    /// <summary>Marks the task as ended (its last state gets a line when it has none yet).</summary>
    public void StopTask()
    {
        if (_bar is not null) _bar.StopTask();
        else _lines!.Update(this, final: true);
    }
}
