using SnnConvert.Conversion;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// Shows a <c>compare</c> run: the reproduction's log lines and progress bars, and after each conversion its warnings
/// (as <c>convert</c> prints them) and, with --snn-dir, the converted network saved as <c>DIR/METHOD.snn</c>.
/// </summary>
/// <param name="snnDir">Folder the converted networks are saved in, or null to keep none.</param>
public sealed class CompareObserver(string? snnDir) : IReproductionObserver
{
    private readonly ConsoleReproductionObserver _console = new();

    /// <inheritdoc/>
    public void Log(string message) => _console.Log(message);

    /// <inheritdoc/>
    public T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work) => _console.Calibrating(label, work);

    /// <inheritdoc/>
    public T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work) => _console.Simulating(label, images, steps, work);

    /// <inheritdoc/>
    public void Converted(string label, SpikingNetwork snn, IReadOnlyList<string> warnings)
    {
        foreach (string w in warnings.Concat(SnnRun.DeadChannelWarnings(snn))) Terminal.Error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(SettingFlags.InText(w))}");
        if (snnDir is not null) SnnFile.Save(Path.Combine(snnDir, label + ".snn"), snn);
    }
}
