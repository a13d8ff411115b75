using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Tensors;
using SnnConvert.Training;

namespace SnnConvert.Snn;

/// <summary>
/// Steps a batch of images through a spiking network, one time step for all stages at a time. Stages
/// [0, <c>stopAt</c>) are simulated; when <c>stopAt</c> is a weighted stage before the end, its synaptic current is
/// computed at every step but not integrated (this is what calibration records). Buffers are allocated once for
/// the largest batch and reused. Under direct input everything up to the first weighted layer is constant, so it is
/// computed at the first step only.
/// </summary>
public sealed class SnnBatchRunner
{
    private const long RateStream = 4;
    private readonly SpikingNetwork _net;
    private readonly IReadOnlyList<int[]> _shapes;
    private readonly int _maxBatch, _stopAt, _firstSynaptic;
    private readonly InputEncoding _encoding;
    private readonly Readout _readout;
    private readonly float[] _images, _encoded;                 // (N, C, H, W)
    private readonly float[]?[] _current, _membrane, _spikes;    // per stage: (N, stage output)
    private readonly float[]?[] _pooled;                        // per pooling stage: (N, stage output)
    private readonly float[]?[] _fanOut;                        // per spiking stage: fan-out of its spike map
    private readonly float[] _inputFanOut;
    private readonly float[] _outputSpikeCounts;
    private readonly ChunkBuffers _workspace = new();
    private readonly Random[] _rates;
    private readonly long[] _chunkSpikes = new long[ChunkedParallel.MaxChunks];     // per-chunk partial sums of one step,
    private readonly double[] _chunkSynOps = new double[ChunkedParallel.MaxChunks];  // reused so the step loop does not allocate
    private int _n, _t;

    /// <summary>Creates buffers for batches of up to <paramref name="maxBatch"/> images.</summary>
    /// <param name="net">The network; spiking stages before <paramref name="stopAt"/> need thresholds.</param>
    /// <param name="maxBatch">Largest batch.</param>
    /// <param name="encoding">Input encoding.</param>
    /// <param name="stopAt">First stage not simulated (Layers.Count simulates everything).</param>
    /// <param name="readout">Readout of the output layer (used only when the output layer is simulated).</param>
    public SnnBatchRunner(SpikingNetwork net, int maxBatch, InputEncoding encoding, int stopAt, Readout readout)
    {
        _net = net; _maxBatch = maxBatch; _encoding = encoding; _stopAt = stopAt; _readout = readout;
        _shapes = net.Shapes;
        _firstSynaptic = net.SynapticIndices[0];
        int stages = net.Layers.Count;
        _current = new float[stages][]; _membrane = new float[stages][]; _spikes = new float[stages][];
        _pooled = new float[stages][]; _fanOut = new float[stages][];
        int inputSize = Size(_shapes[0]);
        _images = new float[maxBatch * inputSize];
        _encoded = encoding == InputEncoding.Rate ? new float[maxBatch * inputSize] : [];
        _inputFanOut = FanOut.OfInputTo(net.Layers, _shapes, 0);
        for (int s = 0; s < Math.Min(stopAt + 1, stages); s++)
        {
            int size = maxBatch * Size(_shapes[s + 1]);
            switch (net.Layers[s])
            {
                case SynapticLayer layer:
                    _current[s] = new float[size];
                    if (s == stopAt) break;
                    _membrane[s] = new float[size];
                    if (layer.Spiking || readout == Readout.SpikeCount) _spikes[s] = new float[size];
                    if (layer.Spiking) _fanOut[s] = FanOut.OfInputTo(net.Layers, _shapes, s + 1);
                    break;
                case SnnAvgPool2d:
                    _pooled[s] = new float[size];
                    break;
            }
        }
        _outputSpikeCounts = new float[maxBatch * net.ClassNames.Count];
        _rates = new Random[maxBatch];
    }

    /// <summary>Images in the current batch.</summary>
    public int BatchSize => _n;

    /// <summary>Steps taken since <see cref="Start"/>.</summary>
    public int Time => _t;

    /// <summary>Spikes emitted by each stage in the last step (summed over the batch); 0 for non-spiking stages.</summary>
    public long[] StepSpikes { get; private set; } = [];

    /// <summary>Synaptic operations caused by each stage's spikes in the last step (summed over the batch).</summary>
    public double[] StepSynOps { get; private set; } = [];

    /// <summary>Input spikes in the last step (rate encoding), summed over the batch.</summary>
    public long StepInputSpikes { get; private set; }

    /// <summary>Synaptic operations of the input spikes in the last step (rate encoding).</summary>
    public double StepInputSynOps { get; private set; }

    /// <summary>Loads images [start, start + count) of <paramref name="data"/> and resets every membrane.</summary>
    /// <param name="data">Dataset.</param>
    /// <param name="start">First image.</param>
    /// <param name="count">Images in this batch (at most the size given at construction).</param>
    /// <param name="seed">Seed of rate encoding; each image's spike train depends only on the seed and its index.</param>
    public void Start(ImageDataset data, int start, int count, int seed)
    {
        if (count > _maxBatch) throw new ArgumentOutOfRangeException(nameof(count), $"batch of {count} exceeds {_maxBatch}");
        _n = count; _t = 0;
        int size = data.ImageSize;
        for (int i = 0; i < count; i++)
        {
            data.CopyImage(start + i, _images.AsSpan(i * size, size));
            if (_encoding == InputEncoding.Rate) _rates[i] = SeedMixer.Random(seed, RateStream, start + i);
        }
        for (int s = 0; s < _net.Layers.Count; s++)
        {
            if (_membrane[s] is not { } membrane) continue;
            var layer = (SynapticLayer)_net.Layers[s];
            int per = Size(_shapes[s + 1]);
            if (layer.Spiking || _readout == Readout.SpikeCount)
                for (int i = 0; i < count; i++)
                    IfNeuron.Initialise(membrane.AsSpan(i * per, per), layer.Thresholds, ChannelSize(s), _net.Neuron.Initial);
            else membrane.AsSpan(0, count * per).Clear();
        }
        _outputSpikeCounts.AsSpan(0, count * _net.ClassNames.Count).Clear();
        StepSpikes = new long[_net.Layers.Count];
        StepSynOps = new double[_net.Layers.Count];
    }

    /// <summary>Advances the whole batch by one time step.</summary>
    public void Step()
    {
        float[] x = Encode();
        bool constantPrefix = _encoding == InputEncoding.Direct && _t > 0;
        Array.Clear(StepSpikes);
        Array.Clear(StepSynOps);
        for (int s = 0; s < _net.Layers.Count && s <= _stopAt; s++)
        {
            bool constant = constantPrefix && s <= _firstSynaptic;
            int outSize = Size(_shapes[s + 1]);
            switch (_net.Layers[s])
            {
                case SynapticLayer layer:
                    float[] current = _current[s]!;
                    if (!constant) ComputeCurrent(layer, s, x, current);
                    if (s == _stopAt) break;
                    x = Integrate(layer, s, current, outSize);
                    break;
                case SnnAvgPool2d pool:
                    float[] pooled = _pooled[s]!;
                    if (!constant) Pool(pool, _shapes[s], x, pooled);
                    x = pooled;
                    break;
                case SnnFlatten:
                    break;
            }
        }
        _t++;
    }

    /// <summary>The synaptic current of weighted stage <paramref name="stage"/> in the last step, (N, stage output).</summary>
    public ReadOnlySpan<float> Current(int stage) => _current[stage].AsSpan(0, _n * Size(_shapes[stage + 1]));

    /// <summary>Writes each image's predicted class after the steps so far.</summary>
    public void Predict(Span<int> predictions)
    {
        int output = _net.OutputIndex, k = _net.ClassNames.Count;
        float[] membrane = _membrane[output] ?? throw new InvalidOperationException("the output layer is not simulated");
        for (int i = 0; i < _n; i++)
        {
            ReadOnlySpan<float> v = membrane.AsSpan(i * k, k);
            if (_readout == Readout.Membrane) { predictions[i] = TensorPrimitives.IndexOfMax(v); continue; }
            ReadOnlySpan<float> counts = _outputSpikeCounts.AsSpan(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++)
                if (counts[j] > counts[best] || (counts[j] == counts[best] && v[j] > v[best])) best = j;
            predictions[i] = best;
        }
    }

    private float[] Encode()
    {
        if (_encoding == InputEncoding.Direct) return _images;
        int size = Size(_shapes[0]);
        long spikes = 0;
        double synOps = 0;
        for (int i = 0; i < _n; i++)
        {
            Random random = _rates[i];
            Span<float> dst = _encoded.AsSpan(i * size, size);
            ReadOnlySpan<float> src = _images.AsSpan(i * size, size);
            for (int p = 0; p < size; p++)
            {
                bool fire = random.NextSingle() < src[p];
                dst[p] = fire ? 1f : 0f;
                if (fire) { spikes++; synOps += _inputFanOut[p]; }
            }
        }
        StepInputSpikes = spikes;
        StepInputSynOps = synOps;
        return _encoded;
    }

    private void ComputeCurrent(SynapticLayer layer, int s, float[] input, float[] current)
    {
        switch (layer)
        {
            case SnnConv2d conv:
                Conv2dKernel.Forward(input, _n, Conv2dGeometry.Of(conv.Spec, _shapes[s]), conv.Weight, conv.Bias, conv.PadValues, current, _workspace);
                break;
            case SnnLinear linear:
                LinearKernel.Forward(input, _n, linear.InFeatures, linear.OutFeatures, linear.Weight, linear.Bias, current);
                break;
        }
    }

    // Integrates the current of stage s; returns the stage's output map (spikes, or the membrane for the output layer).
    private float[] Integrate(SynapticLayer layer, int s, float[] current, int outSize)
    {
        float[] membrane = _membrane[s]!;
        int channelSize = ChannelSize(s);
        if (!layer.Spiking && _readout == Readout.Membrane)
        {
            TensorPrimitives.Add(membrane.AsSpan(0, _n * outSize), current.AsSpan(0, _n * outSize), membrane.AsSpan(0, _n * outSize));
            return membrane;
        }
        float[] spikes = _spikes[s]!;
        float[]? fanOut = _fanOut[s];
        int chunks = ChunkedParallel.ChunkCount(_n);
        long[] counts = _chunkSpikes;
        double[] ops = _chunkSynOps;
        Array.Clear(counts);
        Array.Clear(ops);
        ChunkedParallel.For(_n, (chunk, start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                var span = new Range(i * outSize, (i + 1) * outSize);
                int fired = IfNeuron.Step(current.AsSpan(span), membrane.AsSpan(span), layer.Thresholds, spikes.AsSpan(span), channelSize, _net.Neuron.Reset);
                counts[chunk] += fired;
                if (fanOut is not null && fired > 0) ops[chunk] += TensorPrimitives.Dot(spikes.AsSpan(span), fanOut);
            }
        });
        long total = 0;
        double synOps = 0;
        for (int c = 0; c < chunks; c++) { total += counts[c]; synOps += ops[c]; }
        StepSpikes[s] = total;
        StepSynOps[s] = synOps;
        if (!layer.Spiking)
            TensorPrimitives.Add(_outputSpikeCounts.AsSpan(0, _n * outSize), spikes.AsSpan(0, _n * outSize), _outputSpikeCounts.AsSpan(0, _n * outSize));
        return spikes;
    }

    private void Pool(SnnAvgPool2d pool, int[] inShape, float[] input, float[] output)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2];
        int[] o = pool.OutputShape(inShape);
        int planes = _n * c;
        ChunkedParallel.For(planes, (_, start, end) =>
        {
            for (int p = start; p < end; p++)
                AvgPool2dLayer.Forward(input.AsSpan(p * h * w, h * w), h, w, pool.Kernel, pool.Stride, output.AsSpan(p * o[1] * o[2], o[1] * o[2]), o[1], o[2]);
        });
    }

    // Values per channel of stage s's output: H*W for conv maps, 1 for dense layers.
    private int ChannelSize(int s) => _shapes[s + 1].Length == 3 ? _shapes[s + 1][1] * _shapes[s + 1][2] : 1;

    private static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
