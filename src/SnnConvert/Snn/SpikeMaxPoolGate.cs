namespace SnnConvert.Snn;

/// <summary>
/// One time step of <see cref="SnnGatedMaxPool2d"/> for one sample. State: <c>counts</c>, the spikes of every input
/// neuron so far, and <c>windowMax</c>, the largest of them in each window. A window's gate is open for the inputs
/// whose count equals the window's largest before this step; one of them spiking makes the window spike, and at most
/// one spike leaves a window per step. Since a count grows by at most 1 per step, "an open input spiked" is the same
/// as "the window's largest count grew", so the output spike count of a window always equals its largest input spike
/// count (the rule does not depend on the order of the inputs: ties need no arbitrary choice). The work is
/// event-driven: only the windows that contain a spike are visited; overlapping windows (stride below the kernel)
/// each see the spike, and inputs beyond the last window (when the map does not divide) are counted but feed no window.
/// </summary>
public static class SpikeMaxPoolGate
{
    /// <summary>Advances the gate by one step; returns the number of output spikes.</summary>
    /// <param name="pool">Window size and stride.</param>
    /// <param name="inShape">Input map (C, H, W).</param>
    /// <param name="outShape">Output map (C, Ho, Wo).</param>
    /// <param name="spikes">This step's input spikes (0 or 1), (C, H, W) flattened.</param>
    /// <param name="counts">Spikes per input neuron so far, updated.</param>
    /// <param name="windowMax">Largest count per window so far, updated; equals the window's output spike count.</param>
    /// <param name="output">This step's output spikes (0 or 1), written.</param>
    public static int Step(SnnGatedMaxPool2d pool, ReadOnlySpan<int> inShape, ReadOnlySpan<int> outShape, ReadOnlySpan<float> spikes,
        Span<int> counts, Span<int> windowMax, Span<float> output)
    {
        int channels = inShape[0], h = inShape[1], w = inShape[2], ho = outShape[1], wo = outShape[2], k = pool.Kernel, s = pool.Stride;
        output.Clear();
        int fired = 0, plane = h * w;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> map = spikes.Slice(c * plane, plane);
            int p = map.IndexOfAnyExcept(0f);
            while (p >= 0)
            {
                int index = c * plane + p, count = ++counts[index];
                int y = p / w, x = p % w;
                // Windows oh with oh * s <= y <= oh * s + k - 1 (likewise for columns), clipped to the map.
                int oyLo = y < k ? 0 : (y - k) / s + 1, oyHi = Math.Min(y / s, ho - 1);
                int oxLo = x < k ? 0 : (x - k) / s + 1, oxHi = Math.Min(x / s, wo - 1);
                for (int oy = oyLo; oy <= oyHi; oy++)
                    for (int ox = oxLo; ox <= oxHi; ox++)
                    {
                        int o = (c * ho + oy) * wo + ox;
                        if (count <= windowMax[o]) continue;
                        windowMax[o] = count;
                        output[o] = 1f;
                        fired++;
                    }
                int next = map[(p + 1)..].IndexOfAnyExcept(0f);
                p = next < 0 ? -1 : p + 1 + next;
            }
        }
        return fired;
    }
}
