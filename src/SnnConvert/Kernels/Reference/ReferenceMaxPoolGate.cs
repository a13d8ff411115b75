namespace SnnConvert.Kernels.Reference;

/// <summary>
/// One step of the gated max pool in plain loops: count every input's spikes; a window spikes when its largest count
/// grew this step (what <see cref="SpikeMaxPoolGate"/> computes event by event).
/// </summary>
public static class ReferenceMaxPoolGate
{
    /// <summary>Same state and output as <see cref="SpikeMaxPoolGate.Step"/> for K x K windows <paramref name="stride"/> apart
    /// from (C, H, W) to (C, Ho, Wo); returns the number of output spikes.</summary>
    public static int Step(ReadOnlySpan<float> spikes, Span<int> counts, Span<int> windowMax, Span<float> output,
        int kernel, int stride, ReadOnlySpan<int> inShape, ReadOnlySpan<int> outShape)
    {
        int channels = inShape[0], h = inShape[1], w = inShape[2], ho = outShape[1], wo = outShape[2], fired = 0;
        for (int i = 0; i < spikes.Length; i++) counts[i] += spikes[i] != 0f ? 1 : 0;
        for (int c = 0; c < channels; c++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++)
                {
                    int largest = 0;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            largest = Math.Max(largest, counts[(c * h + oy * stride + ky) * w + ox * stride + kx]);
                    int o = (c * ho + oy) * wo + ox;
                    bool grew = largest > windowMax[o];
                    output[o] = grew ? 1f : 0f;
                    windowMax[o] = largest;
                    fired += grew ? 1 : 0;
                }
        return fired;
    }
}
