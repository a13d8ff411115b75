using System.Numerics;
using SnnConvert.Layers;
using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Snn;

/// <summary>
/// Simulates a batch of images layer by layer over a block of time steps: each weighted layer's GEMM currents for all
/// steps and images of the block are computed together (one batch of steps x images), then the IF recurrence runs per
/// image over the block's steps, computing the event-driven currents (chosen per image and step) right before they
/// are used and pooling the spikes of a spiking layer followed by average pooling or a max-pool gate
/// (<see cref="SnnGatedMaxPool2d"/>, whose state is kept per image) while they are in the cache; the
/// maps of all steps feed the next layer. Membranes carry over from block to block, so running T steps in blocks
/// equals running them one by one. Under direct input the first weighted layer's current is constant: it is computed
/// once per batch. Stages [0, <c>stopAt</c>) are simulated; when <c>stopAt</c> is a weighted stage, its currents are
/// computed and handed to a <see cref="CurrentObserver"/>, not integrated (what calibration records). Buffers are
/// allocated once. Maps are laid out time-major: element (t, i) of a block is image i at the block's step t.
/// </summary>
public sealed class SnnMultiStepRunner
{
    /// <summary>Floats per map buffer that <see cref="BlockSteps"/> aims at (three such buffers are used).</summary>
    public const long BlockBudgetFloats = 16L << 20;

    private const int GatherImages = 32;
    private readonly SpikingNetwork _net;
    private readonly IReadOnlyList<int[]> _shapes;
    private readonly int[] _sizes;
    private readonly int _maxBatch, _maxSteps, _stopAt, _firstSynaptic, _stages;
    private readonly InputEncoding _encoding;
    private readonly Readout _readout;
    private readonly SynapseEngine _engine;
    private readonly float[] _images;                  // (N, input)
    private readonly float[] _mapA, _mapB, _current;   // (T_block * N, largest map / largest current)
    private readonly float[] _constant;                // direct input: (N, first weighted layer's output)
    private readonly float[]?[] _membrane, _fanOut;    // per weighted stage; _fanOut of the map it emits (after a fused gate: the gate's output)
    private readonly int[]?[] _gateCounts, _gateMax;   // per gated max-pool stage: (N, its input) spike counts, (N, its output) largest count per window
    private readonly SpikeMaxPoolGate?[] _gates;        // per gated max-pool stage
    private readonly IEventDrivenSynapses?[] _eventKernels;   // per weighted stage, where inputs can be events
    private readonly float[] _inputFanOut, _outputSpikeCounts;
    private readonly bool[] _eventImage;               // (T_block * N): computed event-driven in the current layer
    private readonly int[] _nonZero;                   // (T_block * N): non-zero values of the current map, when _nonZeroKnown
    private bool _nonZeroKnown;
    private readonly float[] _gatherIn, _gatherOut;
    private readonly int[] _predictions;               // (T_block, N)
    private readonly ChunkBuffers _workspace = new(), _integrateScratch = new(), _winogradWorkspace = new();
    private readonly float[]?[] _winogradWeights;      // per weighted stage: Winograd-domain weights where the GEMM path can use them
    private readonly ulong[] _rateKeys;                // rate encoding: per image, the key of its draws
    private readonly int[] _ratePixels, _rateCounts;   // rate encoding: per image, its non-zero pixels (the only ones that can spike)
    private readonly long[] _chunkCounts;              // (chunk, step) partial sums, reduced in chunk order
    private readonly double[] _chunkOps;
    private readonly long[][] _spikes;                 // per stage, per step of the block
    private readonly double[][] _synOps;
    private readonly long[] _inputSpikes;
    private readonly double[] _inputSynOps;
    private int _n, _t, _steps;

    /// <summary>Creates buffers for batches of up to <paramref name="maxBatch"/> images and blocks of up to <paramref name="maxSteps"/> steps.</summary>
    /// <param name="net">The network; spiking stages before <paramref name="stopAt"/> need thresholds.</param>
    /// <param name="maxBatch">Largest batch.</param>
    /// <param name="maxSteps">Largest block of steps (see <see cref="BlockSteps"/>).</param>
    /// <param name="encoding">Input encoding.</param>
    /// <param name="stopAt">First stage not simulated (Layers.Count simulates everything).</param>
    /// <param name="readout">Readout of the output layer (used only when the output layer is simulated).</param>
    /// <param name="engine">How synaptic currents are computed.</param>
    public SnnMultiStepRunner(SpikingNetwork net, int maxBatch, int maxSteps, InputEncoding encoding, int stopAt, Readout readout, SynapseEngine engine)
    {
        _net = net; _maxBatch = maxBatch; _maxSteps = maxSteps; _encoding = encoding; _stopAt = stopAt; _readout = readout; _engine = engine;
        _shapes = net.Shapes;
        _stages = net.Layers.Count;
        _sizes = _shapes.Select(Size).ToArray();
        _firstSynaptic = net.SynapticIndices[0];
        int last = Math.Min(stopAt, _stages - 1);
        int maxMap = Enumerable.Range(0, last + 2).Max(k => _sizes[k]);
        int maxCurrent = 1, maxIn = 1;
        _membrane = new float[_stages][]; _fanOut = new float[_stages][]; _eventKernels = new IEventDrivenSynapses?[_stages];
        _winogradWeights = new float[_stages][];
        for (int s = 0; s <= last; s++)
        {
            if (net.Layers[s] is not SynapticLayer layer) continue;
            maxCurrent = Math.Max(maxCurrent, _sizes[s + 1]);
            maxIn = Math.Max(maxIn, _sizes[s]);
            if (EventEligible(layer, s))
                _eventKernels[s] = EventSynapses.For(layer, _shapes[s]);
            if (layer is SnnConv2d { PadValues: null } winograd && WinogradConv3x3.Supports(winograd.Spec.Kernel, winograd.Spec.Stride, winograd.Spec.Padding, winograd.Spec.OutChannels, winograd.InChannelCount))
            {
                _winogradWeights[s] = new float[16 * winograd.InChannelCount * winograd.OutChannelCount];
                WinogradConv3x3.TransformWeights(winograd.Weight, winograd.OutChannelCount, winograd.InChannelCount, _winogradWeights[s]);
            }
            if (s == stopAt) continue;
            _membrane[s] = new float[maxBatch * _sizes[s + 1]];
            // Synaptic operations are counted only when the whole network runs (calibration does not report them). Spikes
            // into a max-pool gate drive synapses only where the gate passes them, so the fan-out is the gate output's.
            bool gated = s + 1 < _stages && net.Layers[s + 1] is SnnGatedMaxPool2d;
            if (layer.Spiking && stopAt >= _stages) _fanOut[s] = FanOut.OfInputTo(net.Layers, _shapes, gated ? s + 2 : s + 1);
        }
        _gateCounts = new int[_stages][];
        _gateMax = new int[_stages][];
        _gates = new SpikeMaxPoolGate?[_stages];
        for (int s = 0; s <= last; s++)
            if (net.Layers[s] is SnnGatedMaxPool2d pool)
            {
                _gates[s] = EventSynapses.Gate(pool, _shapes[s]);
                _gateCounts[s] = new int[maxBatch * _sizes[s]];
                _gateMax[s] = new int[maxBatch * _sizes[s + 1]];
            }
        long mapFloats = (long)maxSteps * maxBatch * maxMap;
        _mapA = new float[mapFloats];
        _mapB = new float[mapFloats];
        _current = new float[(long)maxSteps * maxBatch * maxCurrent];
        _images = new float[maxBatch * _sizes[0]];
        _constant = encoding == InputEncoding.Direct ? new float[maxBatch * _sizes[_firstSynaptic + 1]] : [];
        _inputFanOut = encoding == InputEncoding.Rate ? FanOut.OfInputTo(net.Layers, _shapes, 0) : [];
        _outputSpikeCounts = new float[maxBatch * net.ClassNames.Count];
        _eventImage = new bool[maxSteps * maxBatch];
        _nonZero = new int[maxSteps * maxBatch];
        bool gather = _engine == SynapseEngine.Auto && _eventKernels.Any(k => k is not null);
        _gatherIn = gather ? new float[GatherImages * maxIn] : [];
        _gatherOut = gather ? new float[GatherImages * maxCurrent] : [];
        _predictions = new int[maxSteps * maxBatch];
        _rateKeys = new ulong[maxBatch];
        _ratePixels = encoding == InputEncoding.Rate ? new int[maxBatch * _sizes[0]] : [];
        _rateCounts = new int[maxBatch];
        _chunkCounts = new long[ChunkedParallel.MaxChunks * maxSteps];
        _chunkOps = new double[ChunkedParallel.MaxChunks * maxSteps];
        _spikes = Enumerable.Range(0, _stages).Select(_ => new long[maxSteps]).ToArray();
        _synOps = Enumerable.Range(0, _stages).Select(_ => new double[maxSteps]).ToArray();
        _inputSpikes = new long[maxSteps];
        _inputSynOps = new double[maxSteps];
        EventImages = new long[_stages];
        DenseImages = new long[_stages];
    }

    /// <summary>
    /// Steps per block for <paramref name="batch"/> images so that each map buffer stays near
    /// <see cref="BlockBudgetFloats"/>; at least 1, at most <paramref name="steps"/>.
    /// </summary>
    public static int BlockSteps(SpikingNetwork net, int batch, int steps)
    {
        long largest = net.Shapes.Max(s => (long)Size(s)) * Math.Max(1, batch);
        return (int)Math.Clamp(BlockBudgetFloats / largest, 1, steps);
    }

    /// <summary>Images in the current batch.</summary>
    public int BatchSize => _n;

    /// <summary>Steps taken since <see cref="Start"/>.</summary>
    public int Time => _t;

    /// <summary>Steps of the last block.</summary>
    public int Steps => _steps;

    /// <summary>Per stage: (image, step) pairs whose current was computed event-driven, since construction.</summary>
    public long[] EventImages { get; }

    /// <summary>Per stage: (image, step) pairs whose current was computed densely, since construction.</summary>
    public long[] DenseImages { get; }

    /// <summary>Spikes of stage <paramref name="stage"/> at each step of the last block, summed over the batch.</summary>
    public ReadOnlySpan<long> Spikes(int stage) => _spikes[stage].AsSpan(0, _steps);

    /// <summary>Synaptic operations caused by stage <paramref name="stage"/>'s spikes at each step of the last block (zero
    /// when the runner stops before the last stage).</summary>
    public ReadOnlySpan<double> SynOps(int stage) => _synOps[stage].AsSpan(0, _steps);

    /// <summary>Input spikes at each step of the last block (rate encoding), summed over the batch.</summary>
    public ReadOnlySpan<long> InputSpikes => _inputSpikes.AsSpan(0, _steps);

    /// <summary>Synaptic operations of the input spikes at each step of the last block (rate encoding).</summary>
    public ReadOnlySpan<double> InputSynOps => _inputSynOps.AsSpan(0, _steps);

    /// <summary>Predicted class of image <paramref name="image"/> after step <paramref name="step"/> of the last block.</summary>
    public int Prediction(int step, int image) => _predictions[step * _n + image];

    /// <summary>
    /// Receives the stop stage's current of one (image, step) pair of the block, or under direct input, when the stop
    /// stage is the first weighted layer, of one image (its constant current). Calls come from parallel workers;
    /// <paramref name="chunk"/> (below <see cref="ChunkedParallel.MaxChunks"/>) identifies the worker, so per-chunk
    /// partial results need no locks.
    /// </summary>
    public delegate void CurrentObserver(int chunk, ReadOnlySpan<float> current);

    /// <summary>Loads images [start, start + count) of <paramref name="data"/> and resets every membrane.</summary>
    /// <param name="data">Dataset.</param>
    /// <param name="start">First image.</param>
    /// <param name="count">Images in this batch (at most the size given at construction).</param>
    /// <param name="seed">Seed of rate encoding; each image's spike train depends only on the seed and its index.</param>
    public void Start(ILabelledImages data, int start, int count, int seed)
    {
        if (count > _maxBatch) throw new ArgumentOutOfRangeException(nameof(count), $"batch of {count} exceeds {_maxBatch}");
        _n = count; _t = 0; _steps = 0;
        int size = data.ImageSize;
        for (int i = 0; i < count; i++)
        {
            data.CopyImage(start + i, _images.AsSpan(i * size, size));
            if (_encoding != InputEncoding.Rate) continue;
            _rateKeys[i] = RateKey(seed, start + i);
            int nonZero = 0;
            Span<int> pixels = _ratePixels.AsSpan(i * size, size);
            ReadOnlySpan<float> image = _images.AsSpan(i * size, size);
            for (int p = 0; p < size; p++)
                if (image[p] > 0f) pixels[nonZero++] = p;
            _rateCounts[i] = nonZero;
        }
        for (int s = 0; s < _stages; s++)
        {
            if (_membrane[s] is not { } membrane) continue;
            var layer = (SynapticLayer)_net.Layers[s];
            int per = _sizes[s + 1];
            if (layer.Spiking || _readout == Readout.SpikeCount)
                for (int i = 0; i < count; i++)
                    IfNeuron.Initialise(membrane.AsSpan(i * per, per), layer.Thresholds, ChannelSize(s), _net.Neuron.Initial == InitialMembrane.HalfThreshold);
            else membrane.AsSpan(0, count * per).Clear();
        }
        _outputSpikeCounts.AsSpan(0, count * _net.ClassNames.Count).Clear();
        for (int s = 0; s < _stages; s++)
        {
            _gateCounts[s]?.AsSpan(0, count * _sizes[s]).Clear();
            _gateMax[s]?.AsSpan(0, count * _sizes[s + 1]).Clear();
        }
    }

    /// <summary>Advances the whole batch by <paramref name="steps"/> time steps (at most the block size given at construction).</summary>
    /// <param name="steps">Steps of this block.</param>
    /// <param name="observer">Receives the stop stage's currents (calibration), each computed right before.</param>
    public void Run(int steps, CurrentObserver? observer = null)
    {
        if (steps < 1 || steps > _maxSteps) throw new ArgumentOutOfRangeException(nameof(steps), $"{steps} steps; blocks hold 1 to {_maxSteps}");
        _steps = steps;
        for (int s = 0; s < _stages; s++) { _spikes[s].AsSpan(0, steps).Clear(); _synOps[s].AsSpan(0, steps).Clear(); }
        _inputSpikes.AsSpan(0, steps).Clear();
        _inputSynOps.AsSpan(0, steps).Clear();
        float[] x = _mapA, other = _mapB;
        int s0 = 0;
        if (_encoding == InputEncoding.Direct)
        {
            if (_t == 0) ComputeConstantCurrent();
            s0 = _firstSynaptic;
        }
        else EncodeRate(x);
        int m = steps * _n;
        for (int s = s0; s < _stages && s <= _stopAt; s++)
        {
            switch (_net.Layers[s])
            {
                case SynapticLayer when s == _stopAt:
                    Observe(s, x, m, observer);
                    break;
                case SynapticLayer layer:
                    bool eventsLeft = !ConstantFirst(s) && ComputeCurrent(s, x, m);
                    // A pooling stage right after a spiking layer is done while its spikes are still in the cache (a
                    // max-pool gate always is: SpikingNetwork.Validate requires a spiking layer before it).
                    SnnLayer? fused = layer.Spiking && s + 1 < _stages && _net.Layers[s + 1] is SnnAvgPool2d or SnnGatedMaxPool2d ? _net.Layers[s + 1] : null;
                    Integrate(layer, s, x, other, eventsLeft, fused);
                    (x, other) = (other, x);
                    if (fused is not null) s++;
                    break;
                case SnnAvgPool2d alone:
                    Pool(alone, _shapes[s], x, m, other);
                    (x, other) = (other, x);
                    _nonZeroKnown = false;
                    break;
                case SnnGatedMaxPool2d:
                    throw new InvalidOperationException($"stage {s}: a max-pool gate must directly follow a spiking weighted layer");
                case SnnFlatten:
                    break;
            }
        }
        _t += steps;
    }

    private bool ConstantFirst(int stage) => _encoding == InputEncoding.Direct && stage == _firstSynaptic;

    // Pixels are not spikes, and a folded normalisation's pad values feed the borders at every position.
    private bool EventEligible(SynapticLayer layer, int stage) =>
        !ConstantFirst(stage) && !(layer is SnnConv2d { PadValues: { } pad } && pad.Any(v => v != 0f));

    // Direct input: stages up to the first weighted layer see the same image at every step; run them once.
    private void ComputeConstantCurrent()
    {
        float[] x = _images, a = _mapA, b = _mapB;
        for (int s = 0; s < _firstSynaptic; s++)
            if (_net.Layers[s] is SnnAvgPool2d pool)
            {
                float[] target = x == a ? b : a;
                Pool(pool, _shapes[s], x, _n, target);
                x = target;
            }
        Dense((SynapticLayer)_net.Layers[_firstSynaptic], _firstSynaptic, x, _n, _constant);
        DenseImages[_firstSynaptic] += _n;
    }

    /// <summary>
    /// The key of image <paramref name="image"/>'s rate-coded input under <paramref name="seed"/>: pixel p (of P) spikes
    /// at step t when <see cref="CounterRandom.Uniform"/>(key, t * P + p) is below its value. Every draw depends only
    /// on (seed, image, step, pixel), so pixels that cannot spike (value 0) are never drawn.
    /// </summary>
    public static ulong RateKey(int seed, int image) =>
        (ulong)(uint)SeedMixer.Mix(seed, RandomStreams.RateCoding, image, 0) << 32 | (uint)SeedMixer.Mix(seed, RandomStreams.RateCoding, image, 1);

    private void EncodeRate(float[] x)
    {
        int size = _sizes[0], n = _n, steps = _steps;
        Array.Clear(_chunkCounts);
        Array.Clear(_chunkOps);
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                ulong key = _rateKeys[i];
                ReadOnlySpan<float> src = _images.AsSpan(i * size, size);
                ReadOnlySpan<int> pixels = _ratePixels.AsSpan(i * size, _rateCounts[i]);
                for (int t = 0; t < steps; t++)
                {
                    Span<float> dst = x.AsSpan((t * n + i) * size, size);
                    dst.Clear();
                    ulong time = (ulong)(_t + t) * (ulong)size;
                    long spikes = 0;
                    double ops = 0;
                    foreach (int p in pixels)
                    {
                        if (CounterRandom.Uniform(key, time + (ulong)p) >= src[p]) continue;
                        dst[p] = 1f;
                        spikes++;
                        ops += _inputFanOut[p];
                    }
                    _chunkCounts[chunk * _maxSteps + t] += spikes;
                    _chunkOps[chunk * _maxSteps + t] += ops;
                    _nonZero[t * n + i] = (int)spikes;
                }
            }
        });
        Reduce(n, _inputSpikes, _inputSynOps);
        _nonZeroKnown = true;
    }

    // The stop stage: its currents go to the observer; event-driven ones straight from a per-worker buffer.
    private void Observe(int s, float[] input, int m, CurrentObserver? observer)
    {
        int inSize = _sizes[s], outSize = _sizes[s + 1];
        if (ConstantFirst(s))
        {
            if (observer is not null && _t == 0)
                ChunkedParallel.For(_n, (chunk, start, end) =>
                {
                    for (int i = start; i < end; i++) observer(chunk, _constant.AsSpan(i * outSize, outSize));
                });
            return;
        }
        bool eventsLeft = ComputeCurrent(s, input, m);
        if (observer is null) return;
        IEventDrivenSynapses? kernel = eventsLeft ? _eventKernels[s] : null;
        int kernelScratch = kernel?.ScratchSize ?? 0;
        float[][] scratch = _integrateScratch.Get(m, kernelScratch + outSize);
        ChunkedParallel.For(m, (chunk, start, end) =>
        {
            for (int j = start; j < end; j++)
            {
                observer(chunk, kernel is not null && _eventImage[j]
                    ? EventCurrent(kernel, input, j, inSize, outSize, scratch[chunk])
                    : _current.AsSpan(j * outSize, outSize));
            }
        });
    }

    // The event-driven current of (image, step) j, computed into a worker's buffer laid out as the kernel's scratch,
    // then the current.
    private static Span<float> EventCurrent(IEventDrivenSynapses kernel, float[] input, int j, int inSize, int outSize, float[] buffer)
    {
        int scratch = kernel.ScratchSize;
        Span<float> current = buffer.AsSpan(scratch, outSize);
        kernel.Forward(input.AsSpan(j * inSize, inSize), current, buffer.AsSpan(0, scratch));
        return current;
    }

    // Chooses per (image, step) of the block between stage s's event-driven kernel and the GEMM, and computes the GEMM
    // ones into _current. The event-driven ones are left to Integrate (or Observe), which computes each one right
    // before it is used, so it never leaves the cache; returns whether there are any.
    private bool ComputeCurrent(int s, float[] input, int m)
    {
        var layer = (SynapticLayer)_net.Layers[s];
        int inSize = _sizes[s];
        IEventDrivenSynapses? kernel = _engine == SynapseEngine.Dense ? null : _eventKernels[s];
        int eventCount = 0;
        if (kernel is not null)
        {
            bool[] eventImage = _eventImage;
            if (_engine == SynapseEngine.EventDriven) eventImage.AsSpan(0, m).Fill(true);
            else if (_nonZeroKnown)
                for (int j = 0; j < m; j++) eventImage[j] = _nonZero[j] < SynapseEngines.EventDrivenBelow * inSize;
            else
                ChunkedParallel.For(m, (_, start, end) =>
                {
                    for (int j = start; j < end; j++)
                        eventImage[j] = SpanMath.CountNonZero(input.AsSpan(j * inSize, inSize)) < SynapseEngines.EventDrivenBelow * inSize;
                });
            for (int j = 0; j < m; j++) eventCount += eventImage[j] ? 1 : 0;
        }
        EventImages[s] += eventCount;
        DenseImages[s] += m - eventCount;
        if (eventCount == 0) Dense(layer, s, input, m, _current);
        else if (eventCount < m) DenseGathered(layer, s, input, m, _current);
        return eventCount > 0;
    }

    // The (image, step) pairs not computed event-driven go through the GEMM in small gathered groups.
    private void DenseGathered(SynapticLayer layer, int s, float[] input, int m, float[] current)
    {
        int inSize = _sizes[s], outSize = _sizes[s + 1], group = 0;
        Span<int> members = stackalloc int[GatherImages];
        for (int j = 0; j <= m; j++)
        {
            if (j < m && !_eventImage[j])
            {
                input.AsSpan(j * inSize, inSize).CopyTo(_gatherIn.AsSpan(group * inSize, inSize));
                members[group++] = j;
            }
            if (group == GatherImages || (j == m && group > 0))
            {
                Dense(layer, s, _gatherIn, group, _gatherOut);
                for (int g = 0; g < group; g++) _gatherOut.AsSpan(g * outSize, outSize).CopyTo(current.AsSpan(members[g] * outSize, outSize));
                group = 0;
            }
        }
    }

    private void Dense(SynapticLayer layer, int s, float[] input, int m, float[] current)
    {
        switch (layer)
        {
            case SnnConv2d conv when _winogradWeights[s] is { } u:
                int[] shape = _shapes[s];
                WinogradConv3x3.Forward(input, m, shape[0], shape[1], shape[2], conv.Padding, u, conv.OutChannelCount, conv.Bias, current, _winogradWorkspace);
                break;
            case SnnConv2d conv:
                Conv2dKernel.Forward(input, m, conv.Spec.Geometry(_shapes[s]), conv.Weight, conv.Bias, conv.PadValues, current, _workspace);
                break;
            case SnnLinear linear:
                LinearKernel.Forward(input, m, linear.InFeatures, linear.OutFeatures, linear.Weight, linear.Bias, current);
                break;
        }
    }

    // Runs stage s's neurons over the block's steps; spikes go to `mapOut` (time-major), pooled first when `pool` (an
    // average pooling or a max-pool gate, stage s + 1) is given; predictions for the output layer. With `eventsLeft` the
    // event-driven currents are computed here, one (image, step) at a time, so they never leave the cache. Records the
    // non-zero count of each map written. Each image's steps run in order, which the gate's state needs.
    private void Integrate(SynapticLayer layer, int s, float[] input, float[] mapOut, bool eventsLeft, SnnLayer? pool)
    {
        int n = _n, steps = _steps, inSize = _sizes[s], outSize = _sizes[s + 1], channelSize = ChannelSize(s), k = _net.ClassNames.Count;
        float[] membrane = _membrane[s]!;
        bool constant = ConstantFirst(s);
        float[] current = constant ? _constant : _current;
        float[]? fanOut = _fanOut[s];
        bool accumulate = !layer.Spiking && _readout == Readout.Membrane;
        IEventDrivenSynapses? kernel = eventsLeft ? _eventKernels[s] : null;
        int kernelScratch = kernel?.ScratchSize ?? 0, ownCurrent = kernel is null ? 0 : outSize, ownSpikes = pool is null ? 0 : outSize;
        int[] poolIn = pool is null ? [] : _shapes[s + 1], poolOut = pool is null ? [] : _shapes[s + 2];
        int mapSize = pool is null ? outSize : _sizes[s + 2];
        SpikeMaxPoolGate? gate = pool is SnnGatedMaxPool2d ? _gates[s + 1] : null;
        int[]? gateCounts = gate is null ? null : _gateCounts[s + 1], gateMax = gate is null ? null : _gateMax[s + 1];
        float[][] scratch = _integrateScratch.Get(n, Math.Max(1, kernelScratch + ownCurrent + ownSpikes));
        Array.Clear(_chunkCounts);
        Array.Clear(_chunkOps);
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
                    else if (kernel is not null && _eventImage[j]) z = EventCurrent(kernel, input, j, inSize, outSize, scratch[chunk]);
                    else z = current.AsSpan(j * outSize, outSize);
                    if (accumulate)
                    {
                        TensorPrimitives.Add(v, z, v);
                        _predictions[j] = TensorPrimitives.IndexOfMax(v);
                        continue;
                    }
                    Span<float> spikes = pool is null ? mapOut.AsSpan(j * outSize, outSize) : scratch[chunk].AsSpan(kernelScratch + ownCurrent, outSize);
                    int fired = IfNeuron.Step(z, v, layer.Thresholds, spikes, channelSize, _net.Neuron.Reset == ResetMode.Soft);
                    _chunkCounts[chunk * _maxSteps + t] += fired;
                    if (gate is not null)
                    {
                        Span<float> gated = mapOut.AsSpan(j * mapSize, mapSize);
                        int passed = fired == 0 ? 0 : gate.Step(spikes, gateCounts.AsSpan(i * outSize, outSize),
                            gateMax.AsSpan(i * mapSize, mapSize), gated);
                        if (fired == 0) gated.Clear();
                        if (fanOut is not null && passed > 0) _chunkOps[chunk * _maxSteps + t] += TensorPrimitives.Dot(gated, fanOut);
                        _nonZero[j] = passed;
                        continue;
                    }
                    if (fanOut is not null && fired > 0) _chunkOps[chunk * _maxSteps + t] += TensorPrimitives.Dot(spikes, fanOut);
                    if (!layer.Spiking)
                    {
                        Span<float> counts = _outputSpikeCounts.AsSpan(i * k, k);
                        TensorPrimitives.Add(counts, spikes, counts);
                        _predictions[j] = ArgMaxCounts(counts, v);
                    }
                    if (pool is null) { _nonZero[j] = fired; continue; }
                    Span<float> pooled = mapOut.AsSpan(j * mapSize, mapSize);
                    SpikePooling.Forward(((SnnAvgPool2d)pool).Kernel, ((SnnAvgPool2d)pool).Stride, poolIn, poolOut, spikes, pooled);
                    _nonZero[j] = fired == 0 ? 0 : SpanMath.CountNonZero(pooled);
                }
            }
        });
        _nonZeroKnown = !accumulate;
        if (layer.Spiking) Reduce(n, _spikes[s], _synOps[s]);
    }

    // Reduces the per-chunk partial sums in chunk order (the same result whatever the thread count).
    private void Reduce(int n, long[] counts, double[] ops)
    {
        int chunks = ChunkedParallel.ChunkCount(n);
        for (int c = 0; c < chunks; c++)
            for (int t = 0; t < _steps; t++)
            {
                counts[t] += _chunkCounts[c * _maxSteps + t];
                ops[t] += _chunkOps[c * _maxSteps + t];
            }
    }

    // Spike-count readout: most spikes; ties go to the larger membrane potential.
    private static int ArgMaxCounts(ReadOnlySpan<float> counts, ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int j = 1; j < counts.Length; j++)
            if (counts[j] > counts[best] || (counts[j] == counts[best] && v[j] > v[best])) best = j;
        return best;
    }

    private static void Pool(SnnAvgPool2d pool, int[] inShape, float[] input, int m, float[] output)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2];
        int[] o = pool.OutputShape(inShape);
        ChunkedParallel.For(m * c, (_, start, end) =>
        {
            for (int p = start; p < end; p++)
                AvgPool2dKernel.Forward(input.AsSpan(p * h * w, h * w), h, w, pool.Kernel, pool.Stride, output.AsSpan(p * o[1] * o[2], o[1] * o[2]), o[1], o[2]);
        });
    }

    // Values per channel of stage s's output: H*W for conv maps, 1 for dense layers.
    private int ChannelSize(int s) => _shapes[s + 1].Length == 3 ? _shapes[s + 1][1] * _shapes[s + 1][2] : 1;

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
