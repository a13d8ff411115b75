using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// A threshold balancing method: takes the SNN template of a CNN and calibration data, returns the network with
/// thresholds set (and, for methods that normalise weights, rescaled synapses), and does nothing else.
/// </summary>
public interface IThresholdMethod
{
    /// <summary>CLI name, e.g. "max-current".</summary>
    string Name { get; }

    /// <summary>Sets the thresholds of every spiking layer (and of the output layer for spike-count readout).</summary>
    SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null);
}
