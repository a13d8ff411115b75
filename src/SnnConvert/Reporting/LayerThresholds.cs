using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>The thresholds of one weighted layer of a converted network.</summary>
/// <param name="Stage">Stage index in the network.</param>
/// <param name="Layer">Description of the layer.</param>
/// <param name="Count">Thresholds (1 layer-wise, else one per output channel).</param>
/// <param name="Min">Smallest threshold.</param>
/// <param name="Mean">Mean threshold.</param>
/// <param name="Max">Largest threshold.</param>
/// <param name="DeadChannels">Channels that never received a positive input during calibration.</param>
/// <param name="Values">Every threshold.</param>
public sealed record LayerThresholds(int Stage, string Layer, int Count, double Min, double Mean, double Max, int DeadChannels, IReadOnlyList<double> Values)
{
    /// <summary>
    /// The thresholds of every weighted layer of <paramref name="net"/>. The summary comes from the method's own
    /// record (<see cref="ConversionRecord.Layers"/>, which knows the dead channels); the values come from the layers themselves.
    /// </summary>
    public static IReadOnlyList<LayerThresholds> Of(SpikingNetwork net)
    {
        var records = net.Conversion.LayerRecords.Where(r => r.Stage is not null).ToDictionary(r => r.Stage!.Value);
        var list = new List<LayerThresholds>();
        foreach (int stage in net.SynapticIndices)
        {
            var layer = (SynapticLayer)net.Layers[stage];
            if (layer.Thresholds.Length == 0) continue;
            double[] values = layer.Thresholds.Select(t => (double)t).ToArray();
            records.TryGetValue(stage, out LayerCalibration? r);
            list.Add(new LayerThresholds(stage, r?.Layer ?? layer.Describe(), values.Length, r?.Min ?? values.Min(), r?.Mean ?? values.Average(),
                r?.Max ?? values.Max(), r?.DeadChannels ?? 0, values));
        }
        return list;
    }
}
