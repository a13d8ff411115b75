namespace SnnConvert.Kernels.Reference;

/// <summary>
/// One integrate-and-fire step per neuron in plain loops (docs/method.md, "Neurons"): v += z; spike where v &gt;= theta;
/// then v -= theta (soft reset) or v = 0 (hard). The definition <see cref="IfNeuron.Step"/> vectorises, bit for bit.
/// </summary>
public static class ReferenceIfNeuron
{
    /// <summary>Same arguments and layout (N, C, S) as <see cref="IfNeuron.Step"/>; returns the number of spikes.</summary>
    public static int Step(ReadOnlySpan<float> current, Span<float> membrane, ReadOnlySpan<float> thresholds, Span<float> spikes,
        int channelSize, bool softReset)
    {
        int count = 0;
        for (int i = 0; i < current.Length; i++)
        {
            float theta = thresholds[thresholds.Length == 1 ? 0 : i / channelSize % thresholds.Length];
            float v = membrane[i] + current[i];
            bool spike = v >= theta;
            spikes[i] = spike ? 1f : 0f;
            if (spike) v = softReset ? v - theta : 0f;
            membrane[i] = v;
            count += spike ? 1 : 0;
        }
        return count;
    }
}
