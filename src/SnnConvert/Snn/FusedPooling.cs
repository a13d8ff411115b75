using SnnConvert.Kernels;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// A pooling stage right after a spiking weighted layer, applied to that layer's spikes of one (image, step) while
/// they are still in the cache: average pooling, or a max-pool gate (<see cref="SpikeMaxPoolGate"/>) whose state, the
/// spike counts of its inputs and the largest count per window, is kept here per image. A gate's output spikes are the
/// ones that drive the next layer's synapses; an average pooling's inputs are.
/// </summary>
internal sealed class FusedPooling
{
    private readonly SnnAvgPool2d? _average;
    private readonly SpikeMaxPoolGate? _gate;
    private readonly int[] _inShape, _outShape;
    private readonly int _inSize;
    private readonly int[] _counts = [], _windowMax = [];   // gate: (N, its input) spike counts, (N, its output) largest count per window

    /// <param name="pool">An <see cref="SnnAvgPool2d"/> or <see cref="SnnGatedMaxPool2d"/>.</param>
    /// <param name="inShape">Its input shape (C, H, W).</param>
    /// <param name="maxBatch">Largest batch.</param>
    public FusedPooling(SnnLayer pool, int[] inShape, int maxBatch)
    {
        _inShape = inShape;
        _outShape = pool.OutputShape(inShape);
        _inSize = inShape.Aggregate(1, (a, b) => a * b);
        OutSize = _outShape.Aggregate(1, (a, b) => a * b);
        if (pool is SnnGatedMaxPool2d gated)
        {
            _gate = EventSynapses.Gate(gated, inShape);
            _counts = new int[maxBatch * _inSize];
            _windowMax = new int[maxBatch * OutSize];
        }
        else _average = (SnnAvgPool2d)pool;
    }

    /// <summary>Values per output map.</summary>
    public int OutSize { get; }

    /// <summary>Whether this is a max-pool gate, whose output spikes (not its inputs) drive synapses.</summary>
    public bool IsGate => _gate is not null;

    /// <summary>Forgets the gate state of the first <paramref name="images"/> images (a new batch).</summary>
    public void Reset(int images)
    {
        _counts.AsSpan(0, images * (_gate is null ? 0 : _inSize)).Clear();
        _windowMax.AsSpan(0, images * (_gate is null ? 0 : OutSize)).Clear();
    }

    /// <summary>
    /// Pools one step's <paramref name="spikes"/> of image <paramref name="image"/> (<paramref name="fired"/> of them
    /// non-zero) into <paramref name="output"/>; returns the output's non-zero count. Each image's steps must come in order.
    /// </summary>
    public int Apply(int image, ReadOnlySpan<float> spikes, int fired, Span<float> output)
    {
        if (_gate is not null)
        {
            if (fired == 0) { output.Clear(); return 0; }
            return _gate.Step(spikes, _counts.AsSpan(image * _inSize, _inSize), _windowMax.AsSpan(image * OutSize, OutSize), output);
        }
        SpikePooling.Forward(_average!.Kernel, _average.Stride, _inShape, _outShape, spikes, output);
        return fired == 0 ? 0 : SpanMath.CountNonZero(output);
    }
}
