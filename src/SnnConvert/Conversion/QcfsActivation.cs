using SnnConvert.Layers;

namespace SnnConvert.Conversion;

/// <summary>
/// A trained QCFS activation of the CNN (<see cref="QcfsSpec"/>, Bu et al. 2022) as conversion sees it: the weighted
/// layer before it becomes IF neurons, and the activation's thresholds lambda and levels L are what the qcfs method
/// (<see cref="QcfsThresholds"/>) takes and what post-calibration aims at (<see cref="AnalogForward"/>).
/// </summary>
/// <param name="Levels">Quantisation levels L: the latency at which the SNN reproduces the activation exactly.</param>
/// <param name="Thresholds">lambda: one value, or one per output channel (conv) or feature (dense) of the weighted layer.</param>
public sealed record QcfsActivation(int Levels, float[] Thresholds)
{
    /// <summary>The activation of a QCFS layer (its thresholds copied).</summary>
    public static QcfsActivation Of(QcfsLayer layer) => new(((QcfsSpec)layer.Spec).Levels, (float[])layer.Threshold.Value.Data.Clone());

    /// <summary>
    /// h(z) = lambda * clip(floor(z L / lambda + 1/2) / L, 0, 1) in place over a batch of maps, <paramref name="channelSize"/>
    /// values per channel (1 for dense layers), lambda per channel or one for all.
    /// </summary>
    public void Apply(Span<float> values, int channels, int channelSize)
    {
        for (int block = 0; block * channelSize < values.Length; block++)
        {
            Span<float> part = values.Slice(block * channelSize, channelSize);
            QcfsLayer.Forward(part, Thresholds[Thresholds.Length == 1 ? 0 : block % channels], Levels, part);
        }
    }
}
