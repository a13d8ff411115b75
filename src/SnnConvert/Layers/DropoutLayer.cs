using System.Runtime.Intrinsics;
using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Inverted dropout: in training each element (or each (n, c) feature map when channel-wise) is kept with
/// probability 1 - p and scaled by 1 / (1 - p); evaluation is the identity.
/// The mask is counter-based: one 64-bit key is drawn from the context's Random per pass, and element (or map) j is
/// kept when the top 24 bits of SplitMix64(key, j) (<see cref="CounterRandom"/>, counter j + 1) are at least p * 2^24. So chunks of the mask are drawn in parallel
/// and the mask depends only on the seed, never on the thread count.
/// </summary>
public sealed class DropoutLayer : Layer
{
    private readonly LayerSpec _spec;
    private readonly float _p;
    private readonly bool _channelWise;
    private float[] _mask = [];   // per element: 0 or 1 / (1 - p), reused across passes
    private bool _masked;         // false after an evaluation pass

    /// <summary>Creates the layer; <paramref name="p"/> must lie in [0, 1).</summary>
    public DropoutLayer(LayerSpec spec, float p, bool channelWise)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentException($"{spec.Describe()}: drop probability must be in [0, 1), got {p}");
        _spec = spec; _p = p; _channelWise = channelWise;
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        if (!context.Training || _p == 0f) { _masked = false; return input; }
        if (_mask.Length < input.Length) _mask = new float[input.Length];
        float[] mask = _mask, x = input.Data;
        var output = OutputTensor(context, input.Shape);
        float[] y = output.Data;
        int keepBits = BitConverter.SingleToInt32Bits(1f / (1f - _p));
        ulong key = (ulong)context.Random.NextInt64(long.MinValue, long.MaxValue);
        uint threshold = (uint)Math.Ceiling(_p * (double)(1 << 24));   // keep when u >= p, u = bits * 2^-24
        int group = _channelWise ? input.Length / (input.Dim(0) * input.Dim(1)) : 1;
        int groups = input.Length / group;
        ChunkedParallel.ForElements(groups, (g0, g1) =>
        {
            if (group == 1)
                FillMask(key, g0, g1, threshold, keepBits, mask);
            else
                for (int j = g0; j < g1; j++) mask.AsSpan(j * group, group).Fill(Scale(key, j, threshold, keepBits));
            int start = g0 * group, count = (g1 - g0) * group;
            TensorPrimitives.Multiply(x.AsSpan(start, count), mask.AsSpan(start, count), y.AsSpan(start, count));
        });
        _masked = true;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        if (!_masked) return gradOutput;
        var gradInput = GradInputTensor(gradOutput.Shape);
        float[] dy = gradOutput.Data, dx = gradInput.Data, mask = _mask;
        ChunkedParallel.ForElements(dx.Length, (start, end) =>
            TensorPrimitives.Multiply(dy.AsSpan(start, end - start), mask.AsSpan(start, end - start), dx.AsSpan(start, end - start)));
        return gradInput;
    }

    // mask[j] = Scale(key, j, ...) for j in [j0, j1): the same integer arithmetic on 8 counters at a time where 64-bit
    // vector multiplies exist (AVX-512), so the mask is bit-identical on every machine and only faster here.
    private static void FillMask(ulong key, int j0, int j1, uint threshold, int keepBits, float[] mask)
    {
        int j = j0;
        if (Vector512.IsHardwareAccelerated)
        {
            var lane = Vector512.Create(1UL, 2, 3, 4, 5, 6, 7, 8);   // counter j + 1 in lane 0
            Vector512<uint> limit = Vector512.Create(threshold), keep = Vector512.Create((uint)keepBits);
            for (; j + 16 <= j1; j += 16)
            {
                Vector512<ulong> lo = CounterRandom.Bits24(key, Vector512.Create((ulong)j) + lane), hi = CounterRandom.Bits24(key, Vector512.Create((ulong)j + 8) + lane);
                Vector512<uint> bits = Vector512.Narrow(lo, hi);   // each < 2^24, so the narrowing is exact
                (Vector512.GreaterThanOrEqual(bits, limit) & keep).AsSingle().StoreUnsafe(ref mask[0], (nuint)j);
            }
        }
        for (; j < j1; j++) mask[j] = Scale(key, j, threshold, keepBits);
    }

    // 1 / (1 - p) when draw j is kept, else 0; branch-free, since a coin flip per element defeats branch prediction.
    private static float Scale(ulong key, int j, uint threshold, int keepBits)
    {
        int dropped = (int)(CounterRandom.Bits24(key, (ulong)j + 1) - threshold) >> 31;   // all ones when the draw is below the threshold
        return BitConverter.Int32BitsToSingle(keepBits & ~dropped);
    }
}
