using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// The input of the simulation. Direct input: the image is the input at every step, so the stages up to the first
/// weighted layer see the same maps at every step and that layer's current is constant (<see cref="GivesConstantCurrent"/>):
/// it is computed once per batch. Rate input: pixel p of an image spikes at step t with probability equal to its value,
/// drawn from a counter-based stream (<see cref="RateKey"/>), so each image's spike train depends only on the seed and
/// its index, not on the batch or the block size.
/// </summary>
public sealed class InputEncoder
{
    private readonly int _size, _maxBatch;
    private readonly float[] _images;       // (N, input)
    private readonly float[] _fanOut;       // rate input: synaptic operations per spike of each pixel
    private readonly ulong[] _keys;         // rate input: per image, the key of its draws
    private readonly int[] _pixels, _counts; // rate input: per image, its non-zero pixels (the only ones that can spike)

    /// <summary>Buffers for batches of up to <paramref name="maxBatch"/> images of <paramref name="net"/>.</summary>
    /// <param name="net">The network.</param>
    /// <param name="encoding">The input encoding.</param>
    /// <param name="maxBatch">Largest batch.</param>
    public InputEncoder(SpikingNetwork net, InputEncoding encoding, int maxBatch)
    {
        Encoding = encoding;
        _maxBatch = maxBatch;
        _size = net.InputShape.Aggregate(1, (a, b) => a * b);
        _images = new float[maxBatch * _size];
        bool rate = encoding == InputEncoding.Rate;
        _fanOut = rate ? FanOut.OfInputTo(net.Layers, net.Shapes, 0) : [];
        _keys = new ulong[maxBatch];
        _pixels = rate ? new int[maxBatch * _size] : [];
        _counts = new int[maxBatch];
    }

    /// <summary>The input encoding.</summary>
    public InputEncoding Encoding { get; }

    /// <summary>The loaded images, (N, input).</summary>
    internal float[] Images => _images;

    /// <summary>
    /// Whether stage <paramref name="stage"/> of <paramref name="net"/> receives the same current at every step:
    /// under direct input, the first weighted layer does (its input is the image, or a pooling of it).
    /// </summary>
    public static bool GivesConstantCurrent(SpikingNetwork net, InputEncoding encoding, int stage) =>
        encoding == InputEncoding.Direct && stage == net.SynapticIndices[0];

    /// <summary>
    /// The key of image <paramref name="image"/>'s rate-coded input under <paramref name="seed"/>: pixel p (of P) spikes
    /// at step t when <see cref="CounterRandom.Uniform"/>(key, t * P + p) is below its value. Every draw depends only
    /// on (seed, image, step, pixel), so pixels that cannot spike (value 0) are never drawn.
    /// </summary>
    public static ulong RateKey(int seed, int image) =>
        (ulong)(uint)SeedMixer.Mix(seed, RandomStreams.RateCoding, image, 0) << 32 | (uint)SeedMixer.Mix(seed, RandomStreams.RateCoding, image, 1);

    /// <summary>Loads images [start, start + count) of <paramref name="data"/>.</summary>
    /// <param name="data">Dataset.</param>
    /// <param name="start">First image.</param>
    /// <param name="count">Images in this batch.</param>
    /// <param name="seed">Seed of rate encoding.</param>
    public void Load(ILabelledImages data, int start, int count, int seed)
    {
        if (count > _maxBatch) throw new ArgumentOutOfRangeException(nameof(count), $"batch of {count} exceeds {_maxBatch}");
        int size = data.ImageSize;
        for (int i = 0; i < count; i++)
        {
            data.CopyImage(start + i, _images.AsSpan(i * size, size));
            if (Encoding != InputEncoding.Rate) continue;
            _keys[i] = RateKey(seed, start + i);
            int nonZero = 0;
            Span<int> pixels = _pixels.AsSpan(i * size, size);
            ReadOnlySpan<float> image = _images.AsSpan(i * size, size);
            for (int p = 0; p < size; p++)
                if (image[p] > 0f) pixels[nonZero++] = p;
            _counts[i] = nonZero;
        }
    }

    /// <summary>
    /// Rate input: writes the spikes of steps [time, time + block.Steps) of every image into <paramref name="x"/>
    /// (time-major), their counts into <see cref="BlockWorkspace.NonZero"/>, and counts input spikes and SynOps.
    /// </summary>
    internal void EncodeRate(float[] x, int time, BlockWorkspace block, SpikeCounters counters)
    {
        int size = _size, n = block.Images, steps = block.Steps;
        int[] nonZero = block.NonZero;
        counters.BeginStage();
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                ulong key = _keys[i];
                ReadOnlySpan<float> src = _images.AsSpan(i * size, size);
                ReadOnlySpan<int> pixels = _pixels.AsSpan(i * size, _counts[i]);
                for (int t = 0; t < steps; t++)
                {
                    Span<float> dst = x.AsSpan((t * n + i) * size, size);
                    dst.Clear();
                    ulong draw = (ulong)(time + t) * (ulong)size;
                    long spikes = 0;
                    double ops = 0;
                    foreach (int p in pixels)
                    {
                        if (CounterRandom.Uniform(key, draw + (ulong)p) >= src[p]) continue;
                        dst[p] = 1f;
                        spikes++;
                        ops += _fanOut[p];
                    }
                    counters.AddSpikes(chunk, t, spikes);
                    counters.AddSynOps(chunk, t, ops);
                    nonZero[t * n + i] = (int)spikes;
                }
            }
        });
        counters.ReduceInput(n);
        block.NonZeroKnown = true;
    }
}
