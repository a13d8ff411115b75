using SnnConvert.Conversion;

namespace SnnConvert.Reporting;

/// <summary>An observer that shows nothing (tests, library callers without a display).</summary>
public sealed class SilentReproductionObserver : IReproductionObserver
{
    /// <summary>The shared instance.</summary>
    public static SilentReproductionObserver Instance { get; } = new();

    /// <inheritdoc/>
    public void Log(string message) { }

    /// <inheritdoc/>
    public T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work) => work(null);

    /// <inheritdoc/>
    public T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work) => work(null);
}
