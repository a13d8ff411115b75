namespace SnnConvert.Snn;

/// <summary>
/// Event-driven synaptic current of a fully connected layer: y = b + sum over non-zero inputs x_i of x_i * W[:, i],
/// with W kept transposed, (in, out), so that each event adds one contiguous row. See <see cref="EventDrivenConv2d"/>.
/// </summary>
public sealed class EventDrivenLinear : IEventDrivenSynapses
{
    private readonly int _in, _out;
    private readonly float[] _weightT;   // (in, out)
    private readonly float[]? _bias;

    /// <summary>Prepares the transposed weights of <paramref name="linear"/>.</summary>
    public EventDrivenLinear(SnnLinear linear)
    {
        _in = linear.InFeatures;
        _out = linear.OutFeatures;
        _bias = linear.Bias;
        _weightT = new float[_in * _out];
        for (int o = 0; o < _out; o++)
            for (int i = 0; i < _in; i++)
                _weightT[i * _out + o] = linear.Weight[o * _in + i];
    }

    /// <summary>Floats of scratch one sample needs (the event list).</summary>
    public int ScratchSize => _in;

    /// <summary>Writes the current (out) of one sample from its input (in); returns the number of events.</summary>
    public int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)
    {
        Span<int> where = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(scratch.Slice(0, _in));
        int events = EventDrivenConv2d.Compact(input.Slice(0, _in), where);
        Span<float> y = output.Slice(0, _out);
        y.Clear();
        for (int e = 0; e < events; e++)
        {
            int i = where[e];
            EventDrivenConv2d.AddScaled(y, _weightT.AsSpan(i * _out, _out), input[i]);
        }
        if (_bias is not null) TensorPrimitives.Add(y, _bias, y);
        return events;
    }
}
