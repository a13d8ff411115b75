using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SnnConvert.Layers;

namespace SnnConvert.Snn;

/// <summary>
/// Event-driven synaptic current of a convolution: only the inputs that are non-zero (spikes, or spike maps after
/// average pooling) contribute, each by adding its weight vector over all output channels to the outputs its
/// kernel window reaches. The cost grows with the number of events, not with the size of the map. Weights are kept
/// transposed, (Cin, K, K, Cout), so that one event adds a contiguous vector of Cout weights (vectorised) to an
/// accumulator laid out (Ho, Wo, Cout); the accumulator is transposed to (Cout, Ho, Wo) at the end.
/// A binary spike adds its weights (no multiplication); a pooled value a = m/k^2 (m spikes in the window) adds
/// a * w, which equals adding w/k^2 once per spike up to rounding. Contributions reach each output in
/// (input channel, kernel row, kernel column) order, so the result is deterministic; it differs from the dense
/// GEMM only by floating-point rounding.
/// </summary>
public sealed class EventDrivenConv2d
{
    private readonly Conv2dGeometry _g;
    private readonly float[] _weightT;   // (C, K, K, Cout)
    private readonly float[]? _bias;

    /// <summary>Prepares the transposed weights of <paramref name="conv"/> for inputs of shape <paramref name="inputShape"/>.</summary>
    public EventDrivenConv2d(SnnConv2d conv, int[] inputShape)
    {
        _g = Conv2dGeometry.Of(conv.Spec, inputShape);
        _bias = conv.Bias;
        int cout = _g.Cout, patch = _g.PatchSize;
        _weightT = new float[patch * cout];
        for (int co = 0; co < cout; co++)
            for (int r = 0; r < patch; r++)
                _weightT[r * cout + co] = conv.Weight[co * patch + r];
    }

    /// <summary>Floats of scratch one image needs: the (Ho, Wo, Cout) accumulator and one row's event list.</summary>
    public int ScratchSize => _g.OutputSize + _g.W;

    /// <summary>
    /// Writes the current (Cout, Ho, Wo) of one image from its input map (C, H, W); returns the number of events
    /// (non-zero inputs). <paramref name="scratch"/> holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Conv2dGeometry g = _g;
        int cout = g.Cout, k = g.K, stride = g.Stride, pad = g.Pad, w = g.W;
        Span<float> acc = scratch.Slice(0, g.OutputSize);
        Span<int> columns = MemoryMarshal.Cast<float, int>(scratch.Slice(g.OutputSize, w));
        acc.Clear();
        int events = 0;
        for (int c = 0; c < g.C; c++)
            for (int iy = 0; iy < g.H; iy++)
            {
                ReadOnlySpan<float> row = input.Slice((c * g.H + iy) * w, w);
                int count = Compact(row, columns);
                events += count;
                for (int ky = 0; ky < k && count > 0; ky++)
                {
                    // Output row oy receives input row iy through kernel row ky when oy * stride - pad + ky == iy.
                    int ty = iy + pad - ky;
                    if (ty < 0 || ty % stride != 0 || ty / stride >= g.Ho) continue;
                    Span<float> outRow = acc.Slice(ty / stride * g.Wo * cout, g.Wo * cout);
                    ReadOnlySpan<float> weights = _weightT.AsSpan((c * k + ky) * k * cout, k * cout);
                    for (int e = 0; e < count; e++)
                    {
                        int ix = columns[e];
                        float a = row[ix];
                        if (stride == 1)
                        {
                            // Output column ox = ix + pad - kx: the kernel columns that land inside the output.
                            int first = Math.Max(0, ix + pad - g.Wo + 1), last = Math.Min(k - 1, ix + pad);
                            for (int kx = first; kx <= last; kx++)
                                AddScaled(outRow.Slice((ix + pad - kx) * cout, cout), weights.Slice(kx * cout, cout), a);
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++)
                        {
                            int tx = ix + pad - kx;
                            if (tx < 0 || tx % stride != 0 || tx / stride >= g.Wo) continue;
                            AddScaled(outRow.Slice(tx / stride * cout, cout), weights.Slice(kx * cout, cout), a);
                        }
                    }
                }
            }
        int positions = g.Positions;
        for (int co = 0; co < cout; co++)
        {
            float b = _bias is null ? 0f : _bias[co];
            Span<float> dst = output.Slice(co * positions, positions);
            for (int p = 0; p < positions; p++) dst[p] = acc[p * cout + co] + b;
        }
        return events;
    }

    // Collects the positions of the non-zero inputs, without a branch per element.
    internal static int Compact(ReadOnlySpan<float> input, Span<int> where)
    {
        int count = 0;
        for (int i = 0; i < input.Length; i++)
        {
            where[count] = i;
            count += input[i] != 0f ? 1 : 0;
        }
        return count;
    }

    // acc += a * w; a == 1 (a spike) is an addition, and 1 * w == w exactly, so one code path serves both.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddScaled(Span<float> acc, ReadOnlySpan<float> w, float a)
    {
        int n = acc.Length, i = 0;
        ref float accRef = ref MemoryMarshal.GetReference(acc);
        ref float wRef = ref MemoryMarshal.GetReference(w);
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var scale = new Vector<float>(a);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                ref float dst = ref Unsafe.Add(ref accRef, i);
                Vector<float> sum = Vector.LoadUnsafe(ref dst) + Vector.LoadUnsafe(ref Unsafe.Add(ref wRef, i)) * scale;
                sum.StoreUnsafe(ref dst);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref accRef, i) += Unsafe.Add(ref wRef, i) * a;
    }
}
