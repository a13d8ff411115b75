using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// Simulates a batch of images over blocks of time steps, following an <see cref="SnnPlan"/>: the input is encoded,
/// then each stage runs the whole block (each weighted layer computes its currents for every step and image of the
/// block together, then its IF neurons step through them image by image, see <see cref="SynapseStage"/>), and the maps
/// of all steps feed the next stage. Membranes carry over from block to block, so running T steps in blocks equals
/// running them one by one. Given a <see cref="CurrentProbe"/>, it stops at the probe's weighted layer and hands the
/// probe its currents (calibration). Maps are laid out time-major: element (t, i) of a block is image i at the
/// block's step t. Buffers are allocated once.
/// </summary>
public sealed class SnnBlockRunner
{
    /// <summary>Floats per map buffer that <see cref="BlockSteps"/> aims at (three such buffers are used).</summary>
    public const long BlockBudgetFloats = 16L << 20;

    private readonly SnnPlan _plan;
    private readonly CurrentProbe? _probe;
    private readonly BlockWorkspace _block;
    private readonly SpikeCounters _counters;
    private readonly float[] _mapA, _mapB;   // (T_block * N, largest map)
    private readonly int _maxSteps;
    private int _t;

    /// <summary>Creates buffers for batches of up to <paramref name="maxBatch"/> images and blocks of up to <paramref name="maxSteps"/> steps.</summary>
    /// <param name="net">The network; spiking stages before the probe's (all, without a probe) need thresholds.</param>
    /// <param name="maxBatch">Largest batch.</param>
    /// <param name="maxSteps">Largest block of steps (see <see cref="BlockSteps"/>).</param>
    /// <param name="encoding">Input encoding.</param>
    /// <param name="readout">Readout of the output layer (used only when the output layer is simulated).</param>
    /// <param name="engine">How synaptic currents are computed.</param>
    /// <param name="probe">Records the currents of its weighted layer, where the simulation stops; null runs every stage.</param>
    public SnnBlockRunner(SpikingNetwork net, int maxBatch, int maxSteps, InputEncoding encoding, Readout readout, SynapseEngine engine, CurrentProbe? probe = null)
    {
        _plan = new SnnPlan(net, maxBatch, encoding, readout, engine, probe?.Stage);
        _probe = probe;
        _maxSteps = maxSteps;
        _block = new BlockWorkspace(maxBatch, maxSteps, _plan.MaxCurrent, _plan.MaxIn, _plan.Gather);
        _counters = new SpikeCounters(net.Layers.Count, maxSteps);
        long mapFloats = (long)maxSteps * maxBatch * _plan.MaxMap;
        _mapA = new float[mapFloats];
        _mapB = new float[mapFloats];
    }

    /// <summary>
    /// Steps per block for <paramref name="batch"/> images so that each map buffer stays near
    /// <see cref="BlockBudgetFloats"/>; at least 1, at most <paramref name="steps"/>.
    /// </summary>
    public static int BlockSteps(SpikingNetwork net, int batch, int steps)
    {
        long largest = net.Shapes.Max(s => s.Aggregate(1L, (a, b) => a * b)) * Math.Max(1, batch);
        return (int)Math.Clamp(BlockBudgetFloats / largest, 1, steps);
    }

    /// <summary>Where the probed layer's inputs are recorded for <see cref="Replay"/>, or null.</summary>
    internal ProbeInputLog? InputLog { get; set; }

    /// <summary>Images in the current batch.</summary>
    public int BatchSize => _block.Images;

    /// <summary>Steps taken since <see cref="Start"/>.</summary>
    public int Time => _t;

    /// <summary>Steps of the last block.</summary>
    public int Steps => _block.Steps;

    /// <summary>Per stage: (image, step) pairs whose current was computed event-driven, since construction.</summary>
    public long[] EventImages => _counters.EventImages;

    /// <summary>Per stage: (image, step) pairs whose current was computed densely, since construction.</summary>
    public long[] DenseImages => _counters.DenseImages;

    /// <summary>Spikes of stage <paramref name="stage"/> at each step of the last block, summed over the batch.</summary>
    public ReadOnlySpan<long> Spikes(int stage) => _counters.Spikes(stage);

    /// <summary>Synaptic operations caused by stage <paramref name="stage"/>'s spikes at each step of the last block (zero
    /// under a probe).</summary>
    public ReadOnlySpan<double> SynOps(int stage) => _counters.SynOps(stage);

    /// <summary>Input spikes at each step of the last block (rate encoding), summed over the batch.</summary>
    public ReadOnlySpan<long> InputSpikes => _counters.InputSpikes;

    /// <summary>Synaptic operations of the input spikes at each step of the last block (rate encoding).</summary>
    public ReadOnlySpan<double> InputSynOps => _counters.InputSynOps;

    /// <summary>Predicted class of image <paramref name="image"/> after step <paramref name="step"/> of the last block.</summary>
    public int Prediction(int step, int image) => _block.Predictions[step * _block.Images + image];

    /// <summary>Loads images [start, start + count) of <paramref name="data"/> and resets every membrane.</summary>
    /// <param name="data">Dataset.</param>
    /// <param name="start">First image.</param>
    /// <param name="count">Images in this batch (at most the size given at construction).</param>
    /// <param name="seed">Seed of rate encoding; each image's spike train depends only on the seed and its index.</param>
    public void Start(ILabelledImages data, int start, int count, int seed)
    {
        _plan.Encoder.Load(data, start, count, seed);
        _block.Images = count;
        _block.Steps = 0;
        _counters.BeginBlock(0);
        _t = 0;
        foreach (SynapseStage stage in _plan.Synapses) stage.Reset(count);
        InputLog?.BeginBatch();
    }

    /// <summary>
    /// Runs batch <paramref name="batch"/> of <paramref name="log"/>, the recorded inputs of weighted layer
    /// <paramref name="from"/> (recorded while it was probed, by a runner of a network that differs only in that layer
    /// and later ones, with the same batch and block sizes), through the stages from <paramref name="from"/> on to the
    /// probed layer: the probe receives what <see cref="Start"/> and <see cref="Run"/> would hand it for that batch,
    /// without the stages before <paramref name="from"/> running. <paramref name="from"/> may be the probed layer.
    /// </summary>
    internal void Replay(ProbeInputLog log, int batch, int from)
    {
        SynapseStage probed = _plan.Probed ?? throw new InvalidOperationException("replay needs a probed layer");
        IReadOnlyList<BlockStage> stages = _plan.Stages;
        int first = from == probed.Index ? stages.Count : Enumerable.Range(0, stages.Count).First(k => stages[k] is SynapseStage { Index: var i } && i == from);
        _t = 0;
        InputLog?.BeginBatch();
        for (int b = 0; b < log.BlockCount(batch); b++)
        {
            log.Restore(batch, b, _mapA, _block);
            if (b == 0) foreach (SynapseStage stage in _plan.Synapses) stage.Reset(_block.Images);
            _block.FirstStep = _t;
            _counters.BeginBlock(_block.Steps);
            float[] x = _mapA, other = _mapB;
            for (int k = first; k < stages.Count; k++)
            {
                stages[k].Run(x, other, _block, _counters);
                (x, other) = (other, x);
            }
            Probe(probed, x);
            _t += _block.Steps;
        }
    }

    /// <summary>
    /// Runs batch <paramref name="index"/> (images [start, start + count) of <paramref name="data"/>) for
    /// <paramref name="steps"/> steps in blocks of the size given at construction: replayed from
    /// <paramref name="source"/> (see <see cref="Replay"/>) when it holds that batch, else simulated from the images.
    /// Returns whether it was replayed.
    /// </summary>
    internal bool RunBatch(ILabelledImages data, int start, int count, int seed, int steps, int index, (ProbeInputLog Log, int Stage)? source)
    {
        if (source is { } from && index < from.Log.Batches)
        {
            Replay(from.Log, index, from.Stage);
            return true;
        }
        Start(data, start, count, seed);
        for (int t = 0; t < steps; t += _maxSteps) Run(Math.Min(_maxSteps, steps - t));
        return false;
    }

    /// <summary>Advances the whole batch by <paramref name="steps"/> time steps (at most the block size given at construction).</summary>
    /// <param name="steps">Steps of this block.</param>
    public void Run(int steps)
    {
        if (steps < 1 || steps > _maxSteps) throw new ArgumentOutOfRangeException(nameof(steps), $"{steps} steps; blocks hold 1 to {_maxSteps}");
        _block.Steps = steps;
        _block.FirstStep = _t;
        _counters.BeginBlock(steps);
        float[] x = _mapA, other = _mapB;
        IReadOnlyList<BlockStage> stages = _plan.Stages;
        if (_plan.Encoder.Encoding == InputEncoding.Direct)
        {
            if (_t == 0) ComputeConstantCurrent();
            stages = _plan.AfterInput;
        }
        else _plan.Encoder.EncodeRate(x, _t, _block, _counters);
        foreach (BlockStage stage in stages)
        {
            stage.Run(x, other, _block, _counters);
            (x, other) = (other, x);
        }
        if (_plan.Probed is { } probed) Probe(probed, x);
        _t += steps;
    }

    // Direct input: the stages up to the first weighted layer see the same maps at every step; run them once per batch.
    private void ComputeConstantCurrent()
    {
        float[] x = _plan.Encoder.Images, a = _mapA, b = _mapB;
        int n = _block.Images;
        foreach (PoolingStage pool in _plan.Leading)
        {
            float[] target = x == a ? b : a;
            pool.Forward(x, n, target);
            x = target;
        }
        _plan.ConstantStage!.ComputeConstantCurrent(x, n, _block, _counters);
    }

    // The probed layer's currents go to the probe, in the order CurrentProbe documents.
    private void Probe(SynapseStage probed, float[] input)
    {
        int n = _block.Images;
        if (probed.IsConstant)
        {
            if (_t == 0) _probe!.Record(probed.ConstantCurrent(n), n, 1);
            InputLog?.Stop();   // the first weighted layer under direct input: nothing before it to skip
            return;
        }
        InputLog?.Add(input.AsSpan(0, _block.Pairs * probed.Synapses.InSize), _block);
        bool rows = _probe!.TakesRows;
        probed.ComputeAllCurrents(input, _block, _counters, rows ? _probe : null);
        if (!rows) _probe.Record(_block.Current.AsMemory(0, _block.Pairs * probed.Synapses.OutSize), n, _block.Steps);
    }
}
