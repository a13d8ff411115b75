using SnnConvert.Conversion;
using SnnConvert.Reporting;

namespace SnnConvert.Cli;

/// <summary>Shows a reproduction on the terminal: log lines and the same progress bars as convert and simulate.</summary>
public sealed class ConsoleReproductionObserver : IReproductionObserver
{
    /// <inheritdoc/>
    public void Log(string message) => Terminal.Log(SettingFlags.InText(message));   // the library names settings, the user typed flags

    /// <inheritdoc/>
    public T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work) => SnnRun.WithCalibrationProgress<T>(p => work(p));

    /// <inheritdoc/>
    public T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work) =>
        SnnRun.WithSimulationProgress<T>(label, images, steps, p => work(p));
}
