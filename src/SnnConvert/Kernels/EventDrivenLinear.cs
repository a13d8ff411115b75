using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SnnConvert.Tensors;

namespace SnnConvert.Kernels;

/// <summary>
/// Event-driven synaptic current of a fully connected layer: y = b + sum over non-zero inputs x_i of x_i * W[:, i],
/// with W kept transposed, (in, out), so that each event adds one contiguous row. See <see cref="EventDrivenConv2d"/>.
/// Rows are padded with zeros to a multiple of 16 outputs, so that every event is whole vectors (a 10-class output
/// layer is one <see cref="Vector512{T}"/> per event with AVX-512, two <see cref="Vector256{T}"/> with AVX2, its sum kept
/// in registers; x * w equals w exactly for a spike). Every width adds the events in the same order: identical results.
/// </summary>
public sealed class EventDrivenLinear : IEventDrivenSynapses
{
    private const int RowAlignment = 16;
    private readonly int _in, _out, _row;
    private readonly AlignedFloats _weightT;   // (in, row): W transposed, each row padded with zeros to `row` values
    private readonly float[]? _bias;
    private readonly bool _use512;   // false: the 256-bit paths even where 512-bit vectors are accelerated

    /// <summary>Prepares the transposed weights of a fully connected layer.</summary>
    /// <param name="weight">Weights (out, in).</param>
    /// <param name="bias">Bias (out), or null.</param>
    /// <param name="inFeatures">Inputs.</param>
    /// <param name="outFeatures">Outputs.</param>
    public EventDrivenLinear(ReadOnlySpan<float> weight, float[]? bias, int inFeatures, int outFeatures) : this(weight, bias, inFeatures, outFeatures, true) { }

    // use512 = false runs the paths of a CPU without AVX-512 on any machine (the tests compare both widths).
    internal EventDrivenLinear(ReadOnlySpan<float> weight, float[]? bias, int inFeatures, int outFeatures, bool use512)
    {
        _use512 = use512;
        _in = inFeatures;
        _out = outFeatures;
        _row = (_out + RowAlignment - 1) / RowAlignment * RowAlignment;
        _bias = bias;
        _weightT = new AlignedFloats(_in * _row);
        Span<float> weightT = _weightT.Span;
        for (int o = 0; o < _out; o++)
            for (int i = 0; i < _in; i++)
                weightT[i * _row + o] = weight[o * _in + i];
    }

    /// <summary>Floats of scratch one sample needs (the event list and a padded accumulator).</summary>
    public int ScratchSize => _in + _row;

    /// <summary>Writes the current (out) of one sample from its input (in); returns the number of events.</summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Span<int> where = MemoryMarshal.Cast<float, int>(scratch.Slice(0, _in));
        Span<float> acc = scratch.Slice(_in, _row);
        int events = EventDrivenConv2d.Compact(input.Slice(0, _in), where);
        if (_use512 && Vector512.IsHardwareAccelerated && _row == Vector512<float>.Count)
            AddInRegisters<Lanes512, Vector512<float>, Vector512<int>>(input, where.Slice(0, events), acc);
        else if (Vector256.IsHardwareAccelerated && _row == 2 * Vector256<float>.Count)
            AddInRegisters<Lanes256, Vector256<float>, Vector256<int>>(input, where.Slice(0, events), acc);
        else AddRows(input, where.Slice(0, events), acc);
        Span<float> current = output.Slice(0, _out);
        acc.Slice(0, _out).CopyTo(current);
        if (_bias is not null) TensorPrimitives.Add(current, _bias, current);
        return events;
    }

    // acc = sum over events of x_i * row_i, in event order, row by row through memory (the conv kernel's vector add).
    private void AddRows(ReadOnlySpan<float> input, ReadOnlySpan<int> events, Span<float> acc)
    {
        acc.Clear();
        ref float y = ref MemoryMarshal.GetReference(acc);
        ref float w = ref MemoryMarshal.GetReference(_weightT.Span);
        foreach (int i in events) EventDrivenConv2d.Add(ref y, ref Unsafe.Add(ref w, i * _row), _row, input[i]);
    }

    // The same sum for rows of one or two vectors (up to 16 outputs: a classifier), kept in registers between events.
    private void AddInRegisters<TLanes, TVec, TInt>(ReadOnlySpan<float> input, ReadOnlySpan<int> events, Span<float> acc)
        where TLanes : IVectorLanes<TVec, TInt>
    {
        ref float w = ref MemoryMarshal.GetReference(_weightT.Span);
        ref float y = ref MemoryMarshal.GetReference(acc);
        TVec s0 = TLanes.Zero, s1 = TLanes.Zero;
        if (_row == TLanes.Count)
            foreach (int i in events) s0 = TLanes.Add(s0, TLanes.Multiply(TLanes.Load(ref w, (nuint)(i * _row)), TLanes.Create(input[i])));
        else
            foreach (int i in events)
            {
                TVec scale = TLanes.Create(input[i]);
                ref float row = ref Unsafe.Add(ref w, i * _row);
                s0 = TLanes.Add(s0, TLanes.Multiply(TLanes.Load(ref row, 0), scale));
                s1 = TLanes.Add(s1, TLanes.Multiply(TLanes.Load(ref row, (nuint)TLanes.Count), scale));
            }
        TLanes.Store(s0, ref y, 0);
        if (_row != TLanes.Count) TLanes.Store(s1, ref y, (nuint)TLanes.Count);
    }
}
