using System.Runtime.CompilerServices;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// What a block of steps cost: spikes and synaptic operations per stage and step (summed over the batch), input
/// spikes under rate encoding, and how many (image, step) currents each stage computed event-driven or densely.
/// Parallel workers add into partial sums of their chunk, reduced in chunk order, so the totals do not depend on the
/// number of threads.
/// </summary>
internal sealed class SpikeCounters
{
    private readonly int _maxSteps;
    private readonly long[] _chunkSpikes;   // (chunk, step) partial sums of the stage being run
    private readonly double[] _chunkOps;
    private readonly long[][] _spikes;      // per stage, per step of the block
    private readonly double[][] _synOps;
    private readonly long[] _inputSpikes;
    private readonly double[] _inputSynOps;
    private int _steps;

    /// <summary>Counters of <paramref name="stages"/> stages for blocks of up to <paramref name="maxSteps"/> steps.</summary>
    public SpikeCounters(int stages, int maxSteps)
    {
        _maxSteps = maxSteps;
        _chunkSpikes = new long[ChunkedParallel.MaxChunks * maxSteps];
        _chunkOps = new double[ChunkedParallel.MaxChunks * maxSteps];
        _spikes = Enumerable.Range(0, stages).Select(_ => new long[maxSteps]).ToArray();
        _synOps = Enumerable.Range(0, stages).Select(_ => new double[maxSteps]).ToArray();
        _inputSpikes = new long[maxSteps];
        _inputSynOps = new double[maxSteps];
        EventImages = new long[stages];
        DenseImages = new long[stages];
    }

    /// <summary>Per stage: (image, step) pairs whose current was computed event-driven.</summary>
    public long[] EventImages { get; }

    /// <summary>Per stage: (image, step) pairs whose current was computed densely.</summary>
    public long[] DenseImages { get; }

    /// <summary>Spikes of a stage at each step of the block.</summary>
    public ReadOnlySpan<long> Spikes(int stage) => _spikes[stage].AsSpan(0, _steps);
    /// <summary>Synaptic operations of a stage's spikes at each step of the block.</summary>
    public ReadOnlySpan<double> SynOps(int stage) => _synOps[stage].AsSpan(0, _steps);
    /// <summary>Input spikes at each step of the block.</summary>
    public ReadOnlySpan<long> InputSpikes => _inputSpikes.AsSpan(0, _steps);
    /// <summary>Synaptic operations of the input spikes at each step of the block.</summary>
    public ReadOnlySpan<double> InputSynOps => _inputSynOps.AsSpan(0, _steps);

    /// <summary>Zeroes the totals of a new block of <paramref name="steps"/> steps.</summary>
    public void BeginBlock(int steps)
    {
        _steps = steps;
        foreach (long[] s in _spikes) s.AsSpan(0, steps).Clear();
        foreach (double[] o in _synOps) o.AsSpan(0, steps).Clear();
        _inputSpikes.AsSpan(0, steps).Clear();
        _inputSynOps.AsSpan(0, steps).Clear();
    }

    /// <summary>Zeroes the partial sums before a stage's parallel loop.</summary>
    public void BeginStage()
    {
        Array.Clear(_chunkSpikes);
        Array.Clear(_chunkOps);
    }

    /// <summary>Adds spikes of a worker's chunk at a step of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddSpikes(int chunk, int step, long spikes) => _chunkSpikes[chunk * _maxSteps + step] += spikes;

    /// <summary>Adds synaptic operations of a worker's chunk at a step of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddSynOps(int chunk, int step, double ops) => _chunkOps[chunk * _maxSteps + step] += ops;

    /// <summary>Adds the partial sums of a loop over <paramref name="images"/> images to stage <paramref name="stage"/>'s totals.</summary>
    public void ReduceStage(int images, int stage) => Reduce(images, _spikes[stage], _synOps[stage]);

    /// <summary>Adds the partial sums of a loop over <paramref name="images"/> images to the input's totals.</summary>
    public void ReduceInput(int images) => Reduce(images, _inputSpikes, _inputSynOps);

    // In chunk order: the same result whatever the thread count.
    private void Reduce(int images, long[] spikes, double[] ops)
    {
        int chunks = ChunkedParallel.ChunkCount(images);
        for (int c = 0; c < chunks; c++)
            for (int t = 0; t < _steps; t++)
            {
                spikes[t] += _chunkSpikes[c * _maxSteps + t];
                ops[t] += _chunkOps[c * _maxSteps + t];
            }
    }
}
