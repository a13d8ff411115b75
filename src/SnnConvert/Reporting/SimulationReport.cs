using System.Text.Json.Serialization;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>One row of a simulation report: the SNN after T steps.</summary>
/// <param name="T">Time steps.</param>
/// <param name="Accuracy">SNN accuracy in percent.</param>
/// <param name="ConversionLoss">CNN accuracy minus SNN accuracy, in points (null without the CNN's accuracy).</param>
/// <param name="Agreement">Percentage of images where the SNN predicts what the CNN predicts (null without the CNN).</param>
/// <param name="SpikesPerImage">Spikes of all spiking layers per image.</param>
/// <param name="SynOpsPerImage">Synaptic operations per image.</param>
/// <param name="MacsPerImage">MACs per image (the first layer under direct input).</param>
/// <param name="EnergyMicrojoules">Estimated energy per image.</param>
public sealed record TimestepRow([property: JsonPropertyName("T")] int T, double Accuracy, double? ConversionLoss, double? Agreement, double SpikesPerImage,
    double SynOpsPerImage, double MacsPerImage, double EnergyMicrojoules);

/// <summary>Per-layer activity at the report's largest T.</summary>
/// <param name="Stage">Stage index.</param>
/// <param name="Layer">Description.</param>
/// <param name="Neurons">Neurons per image.</param>
/// <param name="SpikesPerImage">Spikes per image.</param>
/// <param name="FiringRate">Spikes per neuron per step.</param>
/// <param name="SynOpsPerImage">Synaptic operations caused per image.</param>
public sealed record LayerRow(int Stage, string Layer, long Neurons, double SpikesPerImage, double FiringRate, double SynOpsPerImage);

/// <summary>The rows of a simulation report for a list of latencies.</summary>
/// <param name="Images">Images simulated.</param>
/// <param name="Encoding">Input encoding.</param>
/// <param name="CnnAccuracy">The CNN's accuracy on the same images, or null.</param>
/// <param name="CnnMacsPerImage">The CNN's MACs per image.</param>
/// <param name="CnnEnergyMicrojoules">The CNN's estimated energy per image.</param>
/// <param name="Rows">One row per T.</param>
/// <param name="Layers">Per-layer activity at the largest T.</param>
public sealed record SimulationReport(int Images, string Encoding, double? CnnAccuracy, long CnnMacsPerImage, double CnnEnergyMicrojoules,
    IReadOnlyList<TimestepRow> Rows, IReadOnlyList<LayerRow> Layers)
{
    /// <summary>Builds the report of <paramref name="result"/> at <paramref name="timesteps"/> (each at most the simulated length).</summary>
    public static SimulationReport From(SimulationResult result, IReadOnlyList<int> timesteps, double? cnnAccuracy)
    {
        var rows = timesteps.Select(t => new TimestepRow(t, result.Accuracy(t), cnnAccuracy - result.Accuracy(t), result.Agreement(t),
            result.SpikesPerImage(t), result.SynOpsPerImage(t), result.MacsPerImage(t), result.EnergyMicrojoules(t))).ToArray();
        int last = timesteps.Max();
        var layers = result.Layers.Select(l => new LayerRow(l.Stage, l.Name, l.Neurons, l.SpikesPerImage(last, result.Images),
            l.FiringRate(last, result.Images), l.SynOpsPerImage(last, result.Images))).ToArray();
        return new SimulationReport(result.Images, result.Encoding.ToString().ToLowerInvariant(), cnnAccuracy, result.CnnMacs,
            result.CnnEnergyMicrojoules, rows, layers);
    }
}
