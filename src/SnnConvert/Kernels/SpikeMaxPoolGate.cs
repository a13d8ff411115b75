using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SnnConvert.Kernels;

/// <summary>
/// The time steps of one gated max-pool stage (the spiking form of max pooling), one sample at a time. State (the caller's, per sample):
/// <c>counts</c>, the spikes of every input neuron so far, and <c>windowMax</c>, the largest of them in each window.
/// A window's gate is open for the inputs whose count equals the window's largest before this step; one of them
/// spiking makes the window spike, and at most one spike leaves a window per step. Since a count grows by at most 1
/// per step, "an open input spiked" is the same as "the window's largest count grew", so the output spike count of a
/// window always equals its largest input spike count (the rule does not depend on the order of the inputs: ties need
/// no arbitrary choice). The work is event-driven: only the windows that contain a spike are visited; overlapping
/// windows (stride below the kernel) each see the spike, and inputs beyond the last window (when the map does not
/// divide) are counted but feed no window.
/// </summary>
public sealed class SpikeMaxPoolGate
{
    private readonly int _channels, _plane, _ho, _wo;
    private readonly int[] _rows, _cols;   // per input row / column: the first and last window covering it
    private readonly int[] _rowOf, _colOf; // per position of an input plane: its row and column

    /// <summary>
    /// Prepares the gate of <paramref name="kernel"/> x <paramref name="kernel"/> windows <paramref name="stride"/> apart
    /// from input maps of shape <paramref name="inShape"/> (C, H, W) to <paramref name="outShape"/> (C, Ho, Wo).
    /// </summary>
    public SpikeMaxPoolGate(int kernel, int stride, ReadOnlySpan<int> inShape, ReadOnlySpan<int> outShape)
    {
        int h = inShape[1], w = inShape[2];
        (_channels, _plane, _ho, _wo) = (inShape[0], h * w, outShape[1], outShape[2]);
        _rows = WindowRanges(h, _ho, kernel, stride);
        _cols = WindowRanges(w, _wo, kernel, stride);
        _rowOf = new int[_plane];
        _colOf = new int[_plane];
        for (int p = 0; p < _plane; p++) (_rowOf[p], _colOf[p]) = (p / w, p % w);
    }

    /// <summary>Advances the gate by one step; returns the number of output spikes.</summary>
    /// <param name="spikes">This step's input spikes (0 or 1), (C, H, W) flattened.</param>
    /// <param name="counts">Spikes per input neuron so far, updated.</param>
    /// <param name="windowMax">Largest count per window so far, updated; equals the window's output spike count.</param>
    /// <param name="output">This step's output spikes (0 or 1), (C, Ho, Wo), written.</param>
    public int Step(ReadOnlySpan<float> spikes, Span<int> counts, Span<int> windowMax, Span<float> output)
    {
        int plane = _plane;
        output.Clear();
        int fired = 0;
        for (int c = 0; c < _channels; c++)
        {
            ReadOnlySpan<float> map = spikes.Slice(c * plane, plane);
            Span<int> planeCounts = counts.Slice(c * plane, plane);
            int windows = c * _ho, p = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; p + Vector256<float>.Count <= plane; p += Vector256<float>.Count)
                {
                    // One bit per spiking position of these eight.
                    uint mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(map), (nuint)p), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                    for (; mask != 0; mask &= mask - 1)
                        fired += Pass(p + BitOperations.TrailingZeroCount(mask), windows, planeCounts, windowMax, output);
                }
            for (; p < plane; p++)
                if (map[p] != 0f) fired += Pass(p, windows, planeCounts, windowMax, output);
        }
        return fired;
    }

    // Counts the spike at position p of a plane and lets it through the windows whose largest count it now exceeds;
    // `windows` is the plane's first output row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Pass(int p, int windows, Span<int> planeCounts, Span<int> windowMax, Span<float> output)
    {
        int count = ++planeCounts[p], fired = 0, y = _rowOf[p], x = _colOf[p];
        int oyLo = _rows[2 * y], oyHi = _rows[2 * y + 1], oxLo = _cols[2 * x], oxHi = _cols[2 * x + 1], wo = _wo;
        for (int oy = oyLo; oy <= oyHi; oy++)
            for (int ox = oxLo; ox <= oxHi; ox++)
            {
                // Branch-free (whether a spike grows its window is unpredictable): at most one spike per window and
                // step grows it, so adding `grow` to the output keeps it 0 or 1.
                int o = (windows + oy) * wo + ox, grow = (int)((uint)(windowMax[o] - count) >> 31);
                windowMax[o] += grow;
                output[o] += grow;
                fired += grow;
            }
        return fired;
    }

    // For each coordinate i of a size-long axis, the first and last of the `outputs` windows covering it: o with
    // o * stride <= i <= o * stride + kernel - 1, clipped to the axis (an empty range, last < first, where none does).
    private static int[] WindowRanges(int size, int outputs, int kernel, int stride)
    {
        var ranges = new int[2 * size];
        for (int i = 0; i < size; i++)
        {
            ranges[2 * i] = i < kernel ? 0 : (i - kernel) / stride + 1;
            ranges[2 * i + 1] = Math.Min(i / stride, outputs - 1);
        }
        return ranges;
    }
}
