using SnnConvert.Kernels;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// One weighted layer of the plan with what follows it: its synapses (<see cref="SynapseCurrents"/>), its IF neurons'
/// membranes (one per image, carried from block to block), the pooling fused after it, and the fan-out that turns its
/// spikes into synaptic operations. Under direct input the first weighted layer's current is constant: it is computed
/// once per batch (<see cref="ComputeConstantCurrent"/>). The output layer makes the predictions.
/// </summary>
internal sealed class SynapseStage : BlockStage
{
    private readonly SpikingNetwork _net;
    private readonly SynapticLayer _layer;
    private readonly Readout _readout;
    private readonly int _channelSize;
    private readonly float[] _membrane = [];      // (N, output)
    private readonly float[] _constant = [];      // (N, output), when the current is constant
    private readonly float[]? _fanOut;            // of the map it emits (after a gate: the gate's output)
    private readonly float[] _outputSpikeCounts;  // spike-count readout of the output layer: (N, classes)

    /// <param name="net">The network.</param>
    /// <param name="index">The layer's stage.</param>
    /// <param name="constant">Whether its current is constant (direct input, first weighted layer).</param>
    /// <param name="probed">Whether its currents go to a probe (no membrane, pooling or counting).</param>
    /// <param name="countSynOps">Whether to count synaptic operations (only when the whole network runs: calibration does not report them).</param>
    /// <param name="readout">The readout.</param>
    /// <param name="engine">The engine choice.</param>
    /// <param name="maxBatch">Largest batch.</param>
    public SynapseStage(SpikingNetwork net, int index, bool constant, bool probed, bool countSynOps, Readout readout, SynapseEngine engine, int maxBatch)
    {
        IReadOnlyList<int[]> shapes = net.Shapes;
        (_net, Index, _layer, IsConstant, _readout) = (net, index, (SynapticLayer)net.Layers[index], constant, readout);
        int outSize = shapes[index + 1].Aggregate(1, (a, b) => a * b);
        Synapses = new SynapseCurrents(_layer, shapes[index], outSize, engine, inputsAreEvents: !constant);
        _channelSize = shapes[index + 1].Length == 3 ? shapes[index + 1][1] * shapes[index + 1][2] : 1;
        if (constant) _constant = new float[maxBatch * outSize];
        _outputSpikeCounts = _layer.Spiking ? [] : new float[maxBatch * net.ClassNames.Count];
        if (probed) return;
        _membrane = new float[maxBatch * outSize];
        // A pooling stage right after a spiking layer runs on its spikes while they are in the cache (a max-pool gate
        // always does: SpikingNetwork.Validate requires a spiking layer before it).
        int next = index + 1;
        if (_layer.Spiking && next < net.Layers.Count && net.Layers[next] is SnnAvgPool2d or SnnGatedMaxPool2d)
            Pooling = new FusedPooling(net.Layers[next], shapes[next], maxBatch);
        // Spikes into a max-pool gate drive synapses only where the gate passes them: the fan-out is the gate output's.
        if (_layer.Spiking && countSynOps) _fanOut = FanOut.OfInputTo(net.Layers, shapes, Pooling is { IsGate: true } ? index + 2 : index + 1);
    }

    /// <summary>The layer's stage.</summary>
    public int Index { get; }

    /// <summary>Stages this one covers: 2 with a fused pooling, else 1.</summary>
    public int StagesCovered => Pooling is null ? 1 : 2;

    /// <summary>Whether its current is constant over the steps of a batch.</summary>
    public bool IsConstant { get; }

    /// <summary>Its synapses.</summary>
    public SynapseCurrents Synapses { get; }

    /// <summary>The pooling fused after it, or null.</summary>
    public FusedPooling? Pooling { get; }

    /// <summary>Values per map it emits (pooled when fused).</summary>
    public int MapSize => Pooling?.OutSize ?? Synapses.OutSize;

    /// <summary>Resets the membranes (and the pooling's state) of the first <paramref name="images"/> images.</summary>
    public void Reset(int images)
    {
        int per = Synapses.OutSize;
        if (_membrane.Length > 0)
        {
            if ((_layer.Spiking || _readout == Readout.SpikeCount) && _layer.InitialPotential is { } start)
                for (int i = 0; i < images; i++)
                    FillInitial(_membrane.AsSpan(i * per, per), start, _channelSize);
            else if (_layer.Spiking || _readout == Readout.SpikeCount)
                for (int i = 0; i < images; i++)
                    IfNeuron.Initialise(_membrane.AsSpan(i * per, per), _layer.Thresholds, _channelSize, _net.Neuron.Initial == InitialMembrane.HalfThreshold);
            else _membrane.AsSpan(0, images * per).Clear();
        }
        _outputSpikeCounts.AsSpan(0, _layer.Spiking ? 0 : images * _net.ClassNames.Count).Clear();
        Pooling?.Reset(images);
    }

    /// <summary>The constant current of <paramref name="images"/> images from their (constant) input maps.</summary>
    public void ComputeConstantCurrent(float[] input, int images, BlockWorkspace block, SpikeCounters counters)
    {
        Synapses.Dense(input, images, _constant, block);
        counters.DenseImages[Index] += images;
    }

    /// <summary>The constant current of the first <paramref name="images"/> images, (N, output).</summary>
    public ReadOnlyMemory<float> ConstantCurrent(int images) => _constant.AsMemory(0, images * Synapses.OutSize);

    /// <summary>
    /// Computes the block's currents, event-driven ones included (what a probe records): into
    /// <see cref="BlockWorkspace.Current"/>, or, given a probe that takes rows, handed row by row to
    /// <see cref="CurrentProbe.RecordRow"/> from the worker that computed it, so that an event-driven row goes from the
    /// kernel's buffer to the probe without being copied into the block buffer and read back from memory.
    /// </summary>
    public void ComputeAllCurrents(float[] input, BlockWorkspace block, SpikeCounters counters, CurrentProbe? rows = null)
    {
        bool eventsLeft = ComputeCurrents(input, block, counters);
        if (!eventsLeft && rows is null) return;   // every current is in the block buffer already
        int m = block.Pairs, outSize = Synapses.OutSize;
        float[] current = block.Current;
        float[][]? scratch = eventsLeft ? block.Scratch.Get(m, Synapses.Events!.ScratchSize + outSize) : null;
        bool[] eventImage = block.EventImage;
        ChunkedParallel.For(m, (chunk, start, end) =>
        {
            for (int j = start; j < end; j++)
            {
                Span<float> dense = current.AsSpan(j * outSize, outSize);
                if (eventsLeft && eventImage[j])
                {
                    Span<float> computed = Synapses.EventCurrent(input, j, scratch![chunk]);
                    if (rows is null) computed.CopyTo(dense);
                    else rows.RecordRow(chunk, j, computed);
                }
                else rows?.RecordRow(chunk, j, dense);
            }
        });
    }

    /// <summary>
    /// Runs the block: currents, then per image its steps in order (which a gate's state needs) through
    /// <see cref="IfNeuron.Step"/>; spikes go to <paramref name="mapOut"/> (time-major), pooled first when fused;
    /// predictions for the output layer. Records the non-zero count of each map written.
    /// </summary>
    public override void Run(float[] input, float[] mapOut, BlockWorkspace block, SpikeCounters counters)
    {
        bool eventsLeft = !IsConstant && ComputeCurrents(input, block, counters);
        int n = block.Images, steps = block.Steps, outSize = Synapses.OutSize, channelSize = _channelSize, k = _net.ClassNames.Count;
        float[] membrane = _membrane, thresholds = _layer.Thresholds;
        bool constant = IsConstant, softReset = _net.Neuron.Reset == ResetMode.Soft;
        float[] current = constant ? _constant : block.Current;
        float[]? fanOut = _fanOut;
        bool accumulate = !_layer.Spiking && _readout == Readout.Membrane, output = !_layer.Spiking;
        int firstIntegrated = _net.ReadoutDelay - block.FirstStep;   // block steps before it are not integrated (delayed evaluation)
        SynapseCurrents synapses = Synapses;
        FusedPooling? pool = Pooling;
        int kernelScratch = eventsLeft ? synapses.Events!.ScratchSize : 0, ownCurrent = eventsLeft ? outSize : 0, ownSpikes = pool is null ? 0 : outSize;
        int mapSize = MapSize;
        int[] nonZero = block.NonZero, predictions = block.Predictions;
        bool[] eventImage = block.EventImage;
        float[][] scratch = block.Scratch.Get(n, Math.Max(1, kernelScratch + ownCurrent + ownSpikes));
        counters.BeginStage();
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                Span<float> v = membrane.AsSpan(i * outSize, outSize);
                for (int t = 0; t < steps; t++)
                {
                    int j = t * n + i;
                    ReadOnlySpan<float> z;
                    if (constant) z = current.AsSpan(i * outSize, outSize);
                    else if (eventsLeft && eventImage[j]) z = synapses.EventCurrent(input, j, scratch[chunk]);
                    else z = current.AsSpan(j * outSize, outSize);
                    if (accumulate)
                    {
                        if (t >= firstIntegrated) TensorPrimitives.Add(v, z, v);
                        predictions[j] = TensorPrimitives.IndexOfMax(v);
                        continue;
                    }
                    Span<float> map = mapOut.AsSpan(j * mapSize, mapSize);
                    Span<float> spikes = pool is null ? map : scratch[chunk].AsSpan(kernelScratch + ownCurrent, outSize);
                    int fired = IfNeuron.Step(z, v, thresholds, spikes, channelSize, softReset);
                    counters.AddSpikes(chunk, t, fired);
                    int emitted = pool is null ? fired : pool.Apply(i, spikes, fired, map);
                    // The spikes that drive the next synapses: a gate's output, else this layer's own.
                    if (pool is { IsGate: true })
                    {
                        if (fanOut is not null && emitted > 0) counters.AddSynOps(chunk, t, TensorPrimitives.Dot(map, fanOut));
                    }
                    else if (fanOut is not null && fired > 0) counters.AddSynOps(chunk, t, TensorPrimitives.Dot(spikes, fanOut));
                    if (output)
                    {
                        Span<float> counts = _outputSpikeCounts.AsSpan(i * k, k);
                        TensorPrimitives.Add(counts, spikes, counts);
                        predictions[j] = ArgMaxCounts(counts, v);
                    }
                    nonZero[j] = emitted;
                }
            }
        });
        block.NonZeroKnown = !accumulate;
        if (_layer.Spiking) counters.ReduceStage(n, Index);
    }

    // Chooses the engines and computes the dense currents; counts the choice.
    private bool ComputeCurrents(float[] input, BlockWorkspace block, SpikeCounters counters)
    {
        bool eventsLeft = Synapses.Compute(input, block, out int eventCount);
        counters.EventImages[Index] += eventCount;
        counters.DenseImages[Index] += block.Pairs - eventCount;
        return eventsLeft;
    }

    /// <summary>
    /// Sets one image's membranes to a calibrated v(0) (<see cref="SynapticLayer.InitialPotential"/>): one value per
    /// neuron, copied, or one per channel, over its <paramref name="channelSize"/> positions.
    /// </summary>
    internal static void FillInitial(Span<float> membrane, float[] start, int channelSize)
    {
        if (start.Length == membrane.Length) { start.CopyTo(membrane); return; }   // one value per neuron
        for (int c = 0; c < start.Length; c++) membrane.Slice(c * channelSize, channelSize).Fill(start[c]);
    }

    // Spike-count readout: most spikes; ties go to the larger membrane potential.
    private static int ArgMaxCounts(ReadOnlySpan<float> counts, ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int j = 1; j < counts.Length; j++)
            if (counts[j] > counts[best] || (counts[j] == counts[best] && v[j] > v[best])) best = j;
        return best;
    }
}
