using SnnConvert.Conversion;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// How a reproduction shows its progress. The long steps are handed over as functions so a front end can wrap each in
/// its own display (the CLI draws progress bars around them) and pass the progress sink the step reports to.
/// </summary>
public interface IReproductionObserver
{
    /// <summary>A one-line message (what is being done, a result).</summary>
    void Log(string message);

    /// <summary>Runs the calibration of method <paramref name="label"/>, giving it a sink for its progress.</summary>
    T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work);

    /// <summary>Runs the simulation of method <paramref name="label"/> on <paramref name="images"/> images, giving it a sink for images done.</summary>
    T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work);

    /// <summary>Method <paramref name="label"/> has been converted into <paramref name="snn"/> with these conversion warnings; it is simulated next.</summary>
    void Converted(string label, SpikingNetwork snn, IReadOnlyList<string> warnings) { }
}
