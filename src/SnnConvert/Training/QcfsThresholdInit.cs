using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>
/// Initial QCFS thresholds from activation statistics: each chosen layer's lambda (per layer, or per channel) is the one
/// that makes the QCFS activation closest to the ReLU it replaces on the values entering it, i.e. that minimises
/// sum (h(z) - z)^2 over the positive inputs z (values at or below zero add nothing: h and the ReLU are both 0 there),
/// among <see cref="Candidates"/> fractions of their maximum (ties go to the larger). The images are a fixed set of
/// training images run in evaluation mode (dropout off, batch norm with running statistics); layers are set from the
/// input up, each after the ones below it, so that a layer sees the quantised activations it will receive.
/// <para>
/// Why this and not the maximum or a fixed percentile: with L levels the step is lambda / L; the maximum leaves no
/// clipping error but a coarse step (at L = 2 most activations round to 0), a lower lambda clips more and rounds finer,
/// and where the balance lies depends on L and on the layer's distribution (Li et al. 2021 choose SNN thresholds for a
/// target latency the same way); docs/models.md compares it with percentiles on the bundled models.
/// A channel with no positive input gets its layer's value; a layer with none keeps its threshold.
/// </para>
/// </summary>
public static class QcfsThresholdInit
{
    /// <summary>Images the statistics are taken over (the first of the first epoch's shuffle: its first batches).</summary>
    public const int DefaultImages = 256;

    /// <summary>Thresholds tried: max * k / Candidates for k = 1..Candidates (a 0.5 % grid).</summary>
    public const int Candidates = 200;

    /// <summary>Positive values the error is summed over per threshold at most (every k-th when there are more).</summary>
    public const int MaxValues = 20000;

    /// <summary>Sets the thresholds of the QCFS layers at <paramref name="layers"/> from the images at <paramref name="indices"/>.</summary>
    /// <param name="network">The network (its other parameters already in place).</param>
    /// <param name="layers">Indices of the QCFS layers to set; other QCFS layers run with the thresholds they have.</param>
    /// <param name="images">The dataset the images come from.</param>
    /// <param name="indices">The images, run as one batch (the result depends on them only, not on the thread count).</param>
    public static void FromActivations(Network network, IReadOnlyCollection<int> layers, ImageDataset images, ReadOnlySpan<int> indices)
    {
        if (indices.Length == 0) throw new ArgumentException("no images to take activation statistics from", nameof(indices));
        int last = layers.Count == 0 ? -1 : layers.Max();
        Tensor x = BatchLoader.Load(images, indices).Images;
        // Layer by layer, not Network.Forward: the input of each activation is needed, and no batch-norm fusion applies to QCFS.
        for (int i = 0; i <= last; i++)
        {
            Layer layer = network.Layers[i];
            if (layers.Contains(i))
                SetThresholds(layer as QcfsLayer ?? throw new ArgumentException($"layer {i} ({layer.Spec.Describe()}) is not a QCFS activation", nameof(layers)), x);
            x = layer.Forward(x, ForwardContext.Eval);
        }
    }

    /// <summary>Sets <paramref name="layer"/>'s thresholds from its input batch <paramref name="input"/> (N, C, ...).</summary>
    public static void SetThresholds(QcfsLayer layer, Tensor input)
    {
        float[] lambda = layer.Threshold.Value.Data;
        int levels = ((QcfsSpec)layer.Spec).Levels;
        int n = input.Dim(0), c = input.Dim(1), plane = input.Length / Math.Max(1, n * c);
        if (lambda.Length != 1 && lambda.Length != c)
            throw new ArgumentException($"{layer.Spec.Describe()}: input has {c} channels, the layer has {lambda.Length} thresholds");
        float? whole = BestThreshold(input.Span, levels);
        if (lambda.Length == 1)
        {
            if (whole is { } value) lambda[0] = value;
            return;
        }
        ChunkedParallel.For(c, (_, c0, c1) =>
        {
            var channel = new float[n * plane];
            for (int ch = c0; ch < c1; ch++)
            {
                for (int i = 0; i < n; i++) input.Data.AsSpan((i * c + ch) * plane, plane).CopyTo(channel.AsSpan(i * plane, plane));
                if ((BestThreshold(channel, levels) ?? whole) is { } v) lambda[ch] = v;
            }
        });
    }

    /// <summary>
    /// The threshold among max * k / <see cref="Candidates"/> (max: the largest positive value) that minimises
    /// <see cref="SquaredError"/> over the positive values of <paramref name="values"/> (at most <see cref="MaxValues"/>
    /// of them, evenly spaced in order); null when none is positive.
    /// </summary>
    public static float? BestThreshold(ReadOnlySpan<float> values, int levels)
    {
        var positive = new List<float>();
        float max = 0f;
        foreach (float v in values)
            if (v > 0f) { positive.Add(v); max = Math.Max(max, v); }
        if (positive.Count == 0) return null;
        int stride = (positive.Count + MaxValues - 1) / MaxValues;
        float[] sample = new float[(positive.Count + stride - 1) / stride];
        for (int i = 0; i < sample.Length; i++) sample[i] = positive[i * stride];
        var scratch = new float[sample.Length];
        float best = max;
        double bestError = double.PositiveInfinity;
        for (int k = Candidates; k >= 1; k--)
        {
            float lambda = max * k / Candidates;
            double error = SquaredError(sample, lambda, levels, scratch);
            if (error < bestError) (best, bestError) = (lambda, error);
        }
        return best;
    }

    /// <summary>sum (h(z) - z)^2 over <paramref name="z"/> for the QCFS activation with <paramref name="lambda"/> (<paramref name="scratch"/>: as long as z).</summary>
    public static double SquaredError(ReadOnlySpan<float> z, float lambda, int levels, Span<float> scratch)
    {
        QcfsLayer.Forward(z, lambda, levels, scratch);
        double error = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double d = scratch[i] - (double)z[i];
            error += d * d;
        }
        return error;
    }
}
