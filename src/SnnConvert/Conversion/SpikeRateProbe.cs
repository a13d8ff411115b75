using SnnConvert.Kernels;
using SnnConvert.Snn;
using SnnConvert.Tensors;

namespace SnnConvert.Conversion;

/// <summary>
/// Post-calibration's probe: the output of one weighted layer over T steps while the layers before it run as IF
/// neurons. It receives the layer's currents from the runner and integrates them itself with the layer's own IF
/// dynamics (<see cref="IfNeuron"/>, its thresholds, the given v(0), the network's reset), so that trying another v(0)
/// or bias needs no change in the runner. Per image it counts the spikes per channel (IF neurons; summed per position
/// where a channel is one neuron) or sums the currents (the membrane-readout output layer), and per batch adds them up
/// per output channel, and with <see cref="PerNeuron"/> also per neuron.
/// </summary>
internal sealed class SpikeRateProbe : CurrentProbe
{
    private readonly float[] _thresholds, _initial, _membrane, _spikes, _sums;
    private readonly int _steps, _outSize, _channelSize, _channels;
    private readonly bool _integrate, _softReset, _countPerChannel;
    private readonly long[] _counts;   // (N, C) spikes, when counted per channel
    private readonly double[] _totals, _neuronTotals;

    /// <param name="net">The network.</param>
    /// <param name="stage">The weighted layer.</param>
    /// <param name="maxBatch">Largest batch.</param>
    /// <param name="steps">T: a constant current (handed over once, with steps 1) counts T times.</param>
    /// <param name="integrate">IF neurons (hidden layers, spike-count output); else the currents are summed (membrane readout).</param>
    /// <param name="initial">v(0) per output channel, or per neuron.</param>
    /// <param name="perNeuron">Also add up the output per neuron (<see cref="NeuronTotals"/>).</param>
    public SpikeRateProbe(SpikingNetwork net, int stage, int maxBatch, int steps, bool integrate, float[] initial, bool perNeuron = false) : base(stage)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        int[] shape = net.Shapes[stage + 1];
        _outSize = shape.Aggregate(1, (a, b) => a * b);
        _channelSize = shape.Length == 3 ? shape[1] * shape[2] : 1;
        _channels = layer.OutputChannels;
        (_thresholds, _initial, _steps, _integrate, _softReset) = (layer.Thresholds, initial, steps, integrate, net.Neuron.Reset == ResetMode.Soft);
        _membrane = new float[maxBatch * _outSize];
        _spikes = new float[maxBatch * _outSize];
        _sums = new float[maxBatch * _outSize];
        _totals = new double[_channels];
        _neuronTotals = new double[perNeuron ? _outSize : 0];
        // Per channel where channels are maps (a call per channel is cheap next to its positions); per neuron the
        // per-position sums are needed.
        _countPerChannel = integrate && _channelSize >= 16 && !perNeuron;
        _counts = new long[_countPerChannel ? maxBatch * _channels : 0];
    }

    /// <summary>Spikes (or currents) per output channel summed over images, positions and steps so far.</summary>
    public IReadOnlyList<double> Totals => _totals;

    /// <summary>Positions per channel of one output map.</summary>
    public int ChannelSize => _channelSize;

    /// <summary>Spikes (IF neurons) or summed currents per neuron over the images ended so far; empty unless asked for.</summary>
    public IReadOnlyList<double> NeuronTotals => _neuronTotals;

    /// <summary>Whether <see cref="NeuronTotals"/> are added up.</summary>
    public bool PerNeuron => _neuronTotals.Length > 0;

    /// <summary>Sets v(0) and clears the sums of the first <paramref name="images"/> images; call before each batch.</summary>
    public void Begin(int images)
    {
        for (int i = 0; i < images; i++) SynapseStage.FillInitial(_membrane.AsSpan(i * _outSize, _outSize), _initial, _channelSize);
        _sums.AsSpan(0, images * _outSize).Clear();
        Array.Clear(_counts);
    }

    /// <inheritdoc/>
    public override void Record(ReadOnlyMemory<float> currents, int images, int steps)
    {
        int repeat = IsConstantCall ? _steps : 1;
        ChunkedParallel.For(images, (_, start, end) =>
        {
            ReadOnlySpan<float> all = currents.Span;
            for (int i = start; i < end; i++)
            {
                Span<float> v = _membrane.AsSpan(i * _outSize, _outSize), s = _spikes.AsSpan(i * _outSize, _outSize), sum = _sums.AsSpan(i * _outSize, _outSize);
                for (int t = 0; t < steps; t++)
                {
                    ReadOnlySpan<float> z = all.Slice((t * images + i) * _outSize, _outSize);
                    for (int r = 0; r < repeat; r++)
                    {
                        if (!_integrate) { TensorPrimitives.Add(sum, z, sum); continue; }
                        if (_countPerChannel) { StepCounting(z, v, s, _counts.AsSpan(i * _channels, _channels)); continue; }
                        IfNeuron.Step(z, v, _thresholds, s, _channelSize, _softReset);
                        TensorPrimitives.Add(sum, s, sum);
                    }
                }
            }
        });
    }

    // Channel by channel, the IF step's spike count is the channel's: counted so, the spikes need no second pass. The
    // totals are the same integers as the per-position sums give.
    private void StepCounting(ReadOnlySpan<float> z, Span<float> v, Span<float> s, Span<long> counts)
    {
        int size = _channelSize;
        for (int c = 0; c < _channels; c++)
        {
            var range = new Range(c * size, (c + 1) * size);
            counts[c] += IfNeuron.Step(z[range], v[range], _thresholds.AsSpan(_thresholds.Length == 1 ? 0 : c, 1), s[range], size, _softReset);
        }
    }

    /// <summary>Whether the runner hands this stage's current once per batch (direct input, first weighted layer).</summary>
    public bool IsConstantCall { get; init; }

    /// <summary>Adds the first <paramref name="images"/> images' sums to <see cref="Totals"/>; call after each batch.</summary>
    public void End(int images)
    {
        for (int i = 0; i < images; i++)
            for (int c = 0; c < _channels; c++)
            {
                if (_countPerChannel) { _totals[c] += _counts[i * _channels + c]; continue; }
                double total = 0;
                foreach (float x in _sums.AsSpan(i * _outSize + c * _channelSize, _channelSize)) total += x;
                _totals[c] += total;
            }
        if (!PerNeuron) return;
        for (int i = 0; i < images; i++)
        {
            ReadOnlySpan<float> sum = _sums.AsSpan(i * _outSize, _outSize);
            for (int n = 0; n < _outSize; n++) _neuronTotals[n] += sum[n];
        }
    }
}
