using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SnnConvert.Snn;

/// <summary>
/// The time steps of one <see cref="SnnGatedMaxPool2d"/> stage, one sample at a time. State (the caller's, per sample):
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
    private readonly int _channels, _h, _w, _ho, _wo;
    private readonly int[] _rows, _cols;   // per input row / column: the first and last window covering it

    /// <summary>Prepares the gate of <paramref name="pool"/> on input maps of shape <paramref name="inShape"/> (C, H, W).</summary>
    public SpikeMaxPoolGate(SnnGatedMaxPool2d pool, int[] inShape)
    {
        int[] outShape = pool.OutputShape(inShape);
        (_channels, _h, _w, _ho, _wo) = (inShape[0], inShape[1], inShape[2], outShape[1], outShape[2]);
        _rows = WindowRanges(_h, _ho, pool.Kernel, pool.Stride);
        _cols = WindowRanges(_w, _wo, pool.Kernel, pool.Stride);
    }

    /// <summary>Advances the gate by one step; returns the number of output spikes.</summary>
    /// <param name="spikes">This step's input spikes (0 or 1), (C, H, W) flattened.</param>
    /// <param name="counts">Spikes per input neuron so far, updated.</param>
    /// <param name="windowMax">Largest count per window so far, updated; equals the window's output spike count.</param>
    /// <param name="output">This step's output spikes (0 or 1), (C, Ho, Wo), written.</param>
    public int Step(ReadOnlySpan<float> spikes, Span<int> counts, Span<int> windowMax, Span<float> output)
    {
        int channels = _channels, h = _h, w = _w, ho = _ho, wo = _wo;
        int[] rows = _rows, cols = _cols;
        output.Clear();
        int fired = 0;
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
            {
                int rowStart = (c * h + y) * w, windowRow = c * ho;
                int oyLo = rows[2 * y], oyHi = rows[2 * y + 1];
                ReadOnlySpan<float> row = spikes.Slice(rowStart, w);
                int x = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; x + Vector256<float>.Count <= w; x += Vector256<float>.Count)
                    {
                        // One bit per spiking column of these eight.
                        uint mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(row), (nuint)x), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                        for (; mask != 0; mask &= mask - 1)
                            fired += Pass(x + BitOperations.TrailingZeroCount(mask), rowStart, windowRow, oyLo, oyHi, wo, cols, counts, windowMax, output);
                    }
                for (; x < w; x++)
                    if (row[x] != 0f) fired += Pass(x, rowStart, windowRow, oyLo, oyHi, wo, cols, counts, windowMax, output);
            }
        return fired;
    }

    // Counts the spike of input (row, x) and lets it through the windows whose largest count it now exceeds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Pass(int x, int rowStart, int windowRow, int oyLo, int oyHi, int wo, ReadOnlySpan<int> cols, Span<int> counts,
        Span<int> windowMax, Span<float> output)
    {
        int count = ++counts[rowStart + x], fired = 0, oxLo = cols[2 * x], oxHi = cols[2 * x + 1];
        for (int oy = oyLo; oy <= oyHi; oy++)
            for (int ox = oxLo; ox <= oxHi; ox++)
            {
                int o = (windowRow + oy) * wo + ox;
                if (count <= windowMax[o]) continue;
                windowMax[o] = count;
                output[o] = 1f;
                fired++;
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
