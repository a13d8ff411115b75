using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Training;

namespace SnnConvert.Tests.Snn;

/// <summary>
/// A plain double-precision re-implementation of the spiking network of docs/method.md, written for the tests from the
/// method's equations and independent of src/SnnConvert/Snn and Conversion: naive loops for convolution, pooling and
/// dense layers, one image at a time, IF neurons with soft or hard reset, and the max-pool gate written from its
/// definition (each window's output count is the largest spike count of its inputs: per step, add the spikes to the
/// counts, take each window's maximum and spike where it grew). It reads only the layer records (sizes, weights,
/// biases, pad values, thresholds) of a <see cref="SpikingNetwork"/>.
/// With pixels in {0, 1} and weights, biases and thresholds that are small dyadic fractions (multiples of 1/16)
/// every value it computes is exact in float32 as well, so the library must agree with it to the last bit.
/// </summary>
internal sealed class SnnReference
{
    private readonly SpikingNetwork _net;
    private readonly Readout _readout;
    private readonly int _stopAt;
    private readonly int[][] _shapes;
    private readonly double[]?[] _membrane;
    private readonly double[]?[] _current;
    private double[] _image = [];
    private ulong? _rateKey;
    private long _time;
    private double[] _outputCounts = [];
    private readonly long[]?[] _fanOut;
    private readonly long[]?[] _gatedFanOut;            // per spiking stage followed by a gate: fan-out of the gate's output
    private readonly double[]?[] _gateCounts, _gateMax; // per gate stage: spikes per input so far, largest count per window
    private long[]? _inputFanOut;

    /// <summary>Simulates stages [0, stopAt); stage stopAt (a weighted layer) only has its current computed.</summary>
    public SnnReference(SpikingNetwork net, Readout? readout = null, int stopAt = int.MaxValue)
    {
        _net = net;
        _readout = readout ?? net.Readout;
        _stopAt = Math.Min(stopAt, net.Layers.Count);
        _shapes = Shapes(net);
        _membrane = new double[net.Layers.Count][];
        _current = new double[net.Layers.Count][];
        _fanOut = new long[net.Layers.Count][];
        _gatedFanOut = new long[net.Layers.Count][];
        _gateCounts = new double[net.Layers.Count][];
        _gateMax = new double[net.Layers.Count][];
    }

    /// <summary>Also counts synaptic operations (spikes times brute-force fan-out); slower to set up.</summary>
    public SnnReference WithSynOps()
    {
        _inputFanOut = BruteForceFanOut(_net, 0);
        for (int s = 0; s < _stopAt; s++)
            if (_net.Layers[s] is SynapticLayer { Spiking: true })
            {
                // Spikes into a gate drive synapses only where the gate passes them.
                if (_net.Layers[s + 1] is SnnGatedMaxPool2d) _gatedFanOut[s] = BruteForceFanOut(_net, s + 2);
                else _fanOut[s] = BruteForceFanOut(_net, s + 1);
            }
        return this;
    }

    /// <summary>Synaptic operations caused by each stage's spikes in the last step (after <see cref="WithSynOps"/>).</summary>
    public double[] StepSynOps { get; private set; } = [];

    /// <summary>Synaptic operations of the input spikes in the last step (rate encoding, after <see cref="WithSynOps"/>).</summary>
    public double StepInputSynOps { get; private set; }

    /// <summary>Spikes of each stage in the last step.</summary>
    public long[] StepSpikes { get; private set; } = [];

    /// <summary>Input spikes in the last step (rate encoding).</summary>
    public long StepInputSpikes { get; private set; }

    /// <summary>Per-sample shapes, input first, computed here from the layer sizes.</summary>
    public static int[][] Shapes(SpikingNetwork net)
    {
        var shapes = new List<int[]> { net.InputShape };
        foreach (SnnLayer layer in net.Layers)
        {
            int[] s = shapes[^1];
            shapes.Add(layer switch
            {
                SnnConv2d c => [c.OutChannelCount, (s[1] + 2 * c.Padding - c.Kernel) / c.Stride + 1, (s[2] + 2 * c.Padding - c.Kernel) / c.Stride + 1],
                SnnAvgPool2d p => [s[0], (s[1] - p.Kernel) / p.Stride + 1, (s[2] - p.Kernel) / p.Stride + 1],
                SnnGatedMaxPool2d g => [s[0], (s[1] - g.Kernel) / g.Stride + 1, (s[2] - g.Kernel) / g.Stride + 1],
                SnnFlatten => [s.Aggregate(1, (a, b) => a * b)],
                SnnLinear l => [l.OutFeatures],
                _ => throw new ArgumentException("unknown layer"),
            });
        }
        return shapes.ToArray();
    }

    /// <summary>Image <paramref name="index"/> as the model sees it: byte b becomes b * (1f / 255f) (ImageDataset's documented scaling).</summary>
    public static double[] Image(ImageDataset data, int index)
    {
        ReadOnlySpan<byte> bytes = data.Pixels(index);
        var x = new double[bytes.Length];
        for (int i = 0; i < x.Length; i++) x[i] = bytes[i] * (1f / 255f);
        return x;
    }

    /// <summary>Loads an image and resets the state; <paramref name="rateKey"/> is null for direct input.</summary>
    public void Start(double[] image, ulong? rateKey = null)
    {
        _image = image;
        _rateKey = rateKey;
        _time = 0;
        for (int s = 0; s < _stopAt; s++)
        {
            if (_net.Layers[s] is SnnGatedMaxPool2d)
            {
                _gateCounts[s] = new double[Size(_shapes[s])];
                _gateMax[s] = new double[Size(_shapes[s + 1])];
            }
            if (_net.Layers[s] is not SynapticLayer layer) continue;
            int size = Size(_shapes[s + 1]);
            var v = new double[size];
            bool spiking = layer.Spiking || _readout == Readout.SpikeCount;
            if (spiking && layer.InitialPotential is { } start)
                for (int i = 0; i < size; i++) v[i] = start.Length == size ? start[i] : start[i / (size / layer.OutputChannels)];   // v(0) per neuron or per output channel
            else if (spiking && _net.Neuron.Initial == InitialMembrane.HalfThreshold)
                for (int i = 0; i < size; i++) v[i] = 0.5 * Threshold(layer, s, i);
            _membrane[s] = v;
        }
        _outputCounts = new double[_net.ClassNames.Count];
        StepSpikes = new long[_net.Layers.Count];
        StepSynOps = new double[_net.Layers.Count];
    }

    /// <summary>One time step.</summary>
    public void Step()
    {
        Array.Clear(StepSpikes);
        Array.Clear(StepSynOps);
        double[] x = _image;
        long time = _time++;
        StepInputSpikes = 0;
        StepInputSynOps = 0;
        if (_rateKey is { } key)
        {
            // Bernoulli input: draw t * P + p for pixel p at step t (every pixel drawn here; the library skips zeros).
            x = new double[_image.Length];
            for (int p = 0; p < x.Length; p++)
            {
                bool fire = CounterRandom.Uniform(key, (ulong)(time * x.Length + p)) < (float)_image[p];
                x[p] = fire ? 1 : 0;
                if (!fire) continue;
                StepInputSpikes++;
                if (_inputFanOut is not null) StepInputSynOps += _inputFanOut[p];
            }
        }
        for (int s = 0; s < _net.Layers.Count && s <= _stopAt; s++)
        {
            int[] inShape = _shapes[s];
            switch (_net.Layers[s])
            {
                case SnnConv2d conv:
                    _current[s] = Conv(x, inShape, conv);
                    if (s == _stopAt) return;
                    x = Integrate(conv, s, _current[s]!);
                    break;
                case SnnLinear linear:
                    _current[s] = Linear(x, linear);
                    if (s == _stopAt) return;
                    x = Integrate(linear, s, _current[s]!);
                    break;
                case SnnAvgPool2d pool:
                    x = Pool(x, inShape, pool.Kernel, pool.Stride);
                    break;
                case SnnGatedMaxPool2d gate:
                    x = Gate(x, inShape, gate, _gateCounts[s]!, _gateMax[s]!);
                    if (_gatedFanOut[s - 1] is { } fanOut)
                        for (int e = 0; e < x.Length; e++) StepSynOps[s - 1] += x[e] * fanOut[e];
                    break;
            }
        }
    }

    /// <summary>
    /// One step of the max-pool gate from its definition: counts += spikes; a window spikes when the largest count in
    /// it is above the largest before this step.
    /// </summary>
    public static double[] Gate(double[] spikes, int[] inShape, SnnGatedMaxPool2d gate, double[] counts, double[] windowMax)
    {
        for (int i = 0; i < spikes.Length; i++) counts[i] += spikes[i];
        double[] largest = MaxPool(counts, inShape, gate.Kernel, gate.Stride);
        var output = new double[largest.Length];
        for (int o = 0; o < output.Length; o++)
        {
            output[o] = largest[o] > windowMax[o] ? 1 : 0;
            windowMax[o] = largest[o];
        }
        return output;
    }

    /// <summary>Largest value in each k x k window, stride s, no padding.</summary>
    public static double[] MaxPool(double[] x, int[] inShape, int k, int s)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2], ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        var y = new double[c * ho * wo];
        for (int ch = 0; ch < c; ch++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                {
                    double max = double.NegativeInfinity;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) max = Math.Max(max, x[(ch * h + oh * s + i) * w + ow * s + j]);
                    y[(ch * ho + oh) * wo + ow] = max;
                }
        return y;
    }

    /// <summary>Current of weighted stage <paramref name="stage"/> in the last step.</summary>
    public double[] Current(int stage) => _current[stage]!;

    /// <summary>Membrane of weighted stage <paramref name="stage"/>.</summary>
    public double[] Membrane(int stage) => _membrane[stage]!;

    /// <summary>Output spike counts (spike-count readout).</summary>
    public double[] OutputCounts => _outputCounts;

    /// <summary>The predicted class: arg-max of the output membrane, or of the spike counts with ties broken by the membrane.</summary>
    public int Prediction()
    {
        double[] v = _membrane[_net.Layers.Count - 1]!;
        int best = 0;
        for (int k = 1; k < v.Length; k++)
        {
            bool better = _readout == Readout.Membrane
                ? v[k] > v[best]
                : _outputCounts[k] > _outputCounts[best] || (_outputCounts[k] == _outputCounts[best] && v[k] > v[best]);
            if (better) best = k;
        }
        return best;
    }

    private double[] Integrate(SynapticLayer layer, int s, double[] current)
    {
        double[] v = _membrane[s]!;
        if (!layer.Spiking && _readout == Readout.Membrane)
        {
            // Delayed evaluation: steps 1 ... ReadoutDelay are not integrated (_time is the 1-based step being run).
            if (_time > _net.ReadoutDelay)
                for (int i = 0; i < v.Length; i++) v[i] += current[i];
            return v;
        }
        var spikes = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            double theta = Threshold(layer, s, i);
            v[i] += current[i];
            if (v[i] >= theta)
            {
                spikes[i] = 1;
                v[i] = _net.Neuron.Reset == ResetMode.Soft ? v[i] - theta : 0;
                StepSpikes[s]++;
                if (_fanOut[s] is { } fanOut) StepSynOps[s] += fanOut[i];
            }
        }
        if (!layer.Spiking)
            for (int i = 0; i < v.Length; i++) _outputCounts[i] += spikes[i];
        return spikes;
    }

    private double Threshold(SynapticLayer layer, int s, int element)
    {
        int[] shape = _shapes[s + 1];
        int perChannel = shape.Length == 3 ? shape[1] * shape[2] : 1;
        return layer.Thresholds.Length == 1 ? layer.Thresholds[0] : layer.Thresholds[element / perChannel];
    }

    /// <summary>Naive convolution; outside the image channel c reads PadValues[c] (or 0).</summary>
    public static double[] Conv(double[] x, int[] inShape, SnnConv2d conv)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2], k = conv.Kernel, st = conv.Stride, p = conv.Padding;
        int ho = (h + 2 * p - k) / st + 1, wo = (w + 2 * p - k) / st + 1;
        var y = new double[conv.OutChannelCount * ho * wo];
        for (int co = 0; co < conv.OutChannelCount; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                {
                    double sum = conv.Bias?[co] ?? 0;
                    for (int ci = 0; ci < c; ci++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int ih = oh * st - p + i, iw = ow * st - p + j;
                                bool inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                                double value = inside ? x[(ci * h + ih) * w + iw] : conv.PadValues?[ci] ?? 0;
                                sum += conv.Weight[((co * c + ci) * k + i) * k + j] * value;
                            }
                    y[(co * ho + oh) * wo + ow] = sum;
                }
        return y;
    }

    /// <summary>y = W x + b.</summary>
    public static double[] Linear(double[] x, SnnLinear linear)
    {
        var y = new double[linear.OutFeatures];
        for (int o = 0; o < y.Length; o++)
        {
            double sum = linear.Bias?[o] ?? 0;
            for (int i = 0; i < linear.InFeatures; i++) sum += linear.Weight[o * linear.InFeatures + i] * x[i];
            y[o] = sum;
        }
        return y;
    }

    /// <summary>Mean over each k x k window, stride s, no padding.</summary>
    public static double[] Pool(double[] x, int[] inShape, int k, int s)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2], ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        var y = new double[c * ho * wo];
        for (int ch = 0; ch < c; ch++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                {
                    double sum = 0;
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) sum += x[(ch * h + oh * s + i) * w + ow * s + j];
                    y[(ch * ho + oh) * wo + ow] = sum / (k * k);
                }
        return y;
    }

    /// <summary>
    /// The CNN the template stands for, in double: weighted layers compute W x + b, spiking ones apply ReLU, pooling
    /// averages, a max-pool gate takes the maximum. Calls <paramref name="visit"/>(stage, output) after every weighted layer; returns the logits.
    /// </summary>
    public static double[] Analog(SpikingNetwork net, double[] image, Action<int, double[]>? visit = null)
    {
        int[][] shapes = Shapes(net);
        double[] x = image;
        for (int s = 0; s < net.Layers.Count; s++)
        {
            switch (net.Layers[s])
            {
                case SnnConv2d conv:
                    x = Conv(x, shapes[s], conv);
                    if (conv.Spiking) x = x.Select(v => Math.Max(v, 0)).ToArray();
                    visit?.Invoke(s, x);
                    break;
                case SnnLinear linear:
                    x = Linear(x, linear);
                    if (linear.Spiking) x = x.Select(v => Math.Max(v, 0)).ToArray();
                    visit?.Invoke(s, x);
                    break;
                case SnnAvgPool2d pool:
                    x = Pool(x, shapes[s], pool.Kernel, pool.Stride);
                    break;
                case SnnGatedMaxPool2d gate:
                    x = MaxPool(x, shapes[s], gate.Kernel, gate.Stride);
                    break;
            }
        }
        return x;
    }

    /// <summary>
    /// Brute-force fan-out of every element of the map entering stage <paramref name="stage"/>: put a single 1 at the
    /// element, push it through the pooling and flatten stages, and count the synapses of the next weighted layer whose
    /// input is non-zero (conv: every (output channel, output position, kernel tap) that lands on a non-zero input).
    /// </summary>
    public static long[] BruteForceFanOut(SpikingNetwork net, int stage)
    {
        int[][] shapes = Shapes(net);
        int size = Size(shapes[stage]);
        var fanOut = new long[size];
        for (int e = 0; e < size; e++)
        {
            var x = new double[size];
            x[e] = 1;
            for (int s = stage; ; s++)
            {
                if (net.Layers[s] is SnnAvgPool2d pool) { x = Pool(x, shapes[s], pool.Kernel, pool.Stride); continue; }
                if (net.Layers[s] is SnnFlatten) continue;
                fanOut[e] = net.Layers[s] switch
                {
                    SnnLinear l => x.Count(v => v != 0) * (long)l.OutFeatures,
                    SnnConv2d c => ConvSynapsesOnNonZero(x, shapes[s], c),
                    _ => throw new InvalidOperationException(),
                };
                break;
            }
        }
        return fanOut;
    }

    private static long ConvSynapsesOnNonZero(double[] x, int[] inShape, SnnConv2d conv)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2], k = conv.Kernel, st = conv.Stride, p = conv.Padding;
        int ho = (h + 2 * p - k) / st + 1, wo = (w + 2 * p - k) / st + 1;
        long count = 0;
        for (int co = 0; co < conv.OutChannelCount; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                    for (int ci = 0; ci < c; ci++)
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int ih = oh * st - p + i, iw = ow * st - p + j;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < w && x[(ci * h + ih) * w + iw] != 0) count++;
                            }
        return count;
    }

    /// <summary>What <see cref="Simulate"/> measured, summed over images like the library's SimulationResult.</summary>
    public sealed record DatasetTrace(long[] CorrectAtStep, long[][] SpikesAtStep, double[][] SynOpsAtStep, long[] InputSpikesAtStep,
        double[] InputSynOpsAtStep, int[][] Predictions);

    /// <summary>
    /// Simulates every image of <paramref name="data"/> for <paramref name="steps"/> steps. Rate-coded input draws, for image
    /// i, under the key InputEncoder.RateKey(seed, i): draw t * P + p for pixel p at step t, a spike when it is below
    /// the pixel (the definition the library documents, replicated here).
    /// </summary>
    public static DatasetTrace Simulate(SpikingNetwork net, ImageDataset data, int steps, InputEncoding encoding, int seed, Readout? readout = null)
    {
        int stages = net.Layers.Count;
        var correct = new long[steps];
        var spikes = Enumerable.Range(0, stages).Select(_ => new long[steps]).ToArray();
        var synOps = Enumerable.Range(0, stages).Select(_ => new double[steps]).ToArray();
        var inputSpikes = new long[steps];
        var inputSynOps = new double[steps];
        var predictions = new int[data.Count][];
        var run = new SnnReference(net, readout).WithSynOps();
        for (int i = 0; i < data.Count; i++)
        {
            run.Start(Image(data, i), encoding == InputEncoding.Rate ? InputEncoder.RateKey(seed, i) : null);
            predictions[i] = new int[steps];
            for (int t = 0; t < steps; t++)
            {
                run.Step();
                predictions[i][t] = run.Prediction();
                if (predictions[i][t] == data.Label(i)) correct[t]++;
                for (int s = 0; s < stages; s++) { spikes[s][t] += run.StepSpikes[s]; synOps[s][t] += run.StepSynOps[s]; }
                inputSpikes[t] += run.StepInputSpikes;
                inputSynOps[t] += run.StepInputSynOps;
            }
        }
        return new DatasetTrace(correct, spikes, synOps, inputSpikes, inputSynOps, predictions);
    }

    public static int Size(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}
