namespace SnnConvert.Snn;

/// <summary>
/// Integrate-and-fire dynamics without leak (METHOD.md):
/// v(t) = v(t-1) + z(t); s(t) = v(t) &gt;= theta; soft reset v -= theta * s, hard reset v = 0 where s = 1.
/// Data is laid out (N, C, S): S = channelSize consecutive values share channel c's threshold.
/// </summary>
public static class IfNeuron
{
    /// <summary>One step for a block of neurons; returns the number of spikes.</summary>
    /// <param name="current">z(t), (N, C, S) flattened.</param>
    /// <param name="membrane">v, updated in place.</param>
    /// <param name="thresholds">theta per channel (length C) or one value for all (length 1).</param>
    /// <param name="spikes">s(t) written as 0 or 1.</param>
    /// <param name="channelSize">S: values per channel.</param>
    /// <param name="reset">Reset mode.</param>
    public static int Step(ReadOnlySpan<float> current, Span<float> membrane, ReadOnlySpan<float> thresholds, Span<float> spikes,
        int channelSize, ResetMode reset)
    {
        int count = 0, channels = thresholds.Length;
        for (int block = 0; block * channelSize < current.Length; block++)
        {
            float theta = thresholds[channels == 1 ? 0 : block % channels];
            int start = block * channelSize;
            for (int i = start; i < start + channelSize; i++)
            {
                float v = membrane[i] + current[i];
                if (v >= theta)
                {
                    spikes[i] = 1f;
                    v = reset == ResetMode.Soft ? v - theta : 0f;
                    count++;
                }
                else spikes[i] = 0f;
                membrane[i] = v;
            }
        }
        return count;
    }

    /// <summary>Sets v(0) for a block laid out like <see cref="Step"/>.</summary>
    public static void Initialise(Span<float> membrane, ReadOnlySpan<float> thresholds, int channelSize, InitialMembrane initial)
    {
        if (initial == InitialMembrane.Zero) { membrane.Clear(); return; }
        int channels = thresholds.Length;
        for (int block = 0; block * channelSize < membrane.Length; block++)
            membrane.Slice(block * channelSize, channelSize).Fill(0.5f * thresholds[channels == 1 ? 0 : block % channels]);
    }
}
