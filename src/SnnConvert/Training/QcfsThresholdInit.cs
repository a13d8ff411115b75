using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;

namespace SnnConvert.Training;

/// <summary>
/// Initial QCFS thresholds for fine-tuning a trained network: each chosen layer's lambda (per layer, or per channel) is the
/// <see cref="DefaultPercentile"/>th percentile of the positive values entering it, over a fixed set of training images
/// run in evaluation mode (dropout off, batch norm with running statistics). Layers are set from the input up, each
/// after the ones below it, so that a layer's statistics are those of the quantised activations it will receive.
/// <para>
/// Why a high percentile and not the maximum: with L levels the step is lambda / L, and the maximum is set by a few
/// outliers, so with L = 4 most activations would round to 0 or to the first level; the 99.9th percentile clips 0.1 % of
/// them and keeps the step fine (the robust normalisation of Rueckauer et al. 2017). Why only positive values: the
/// ReLU's zeros would make the percentile depend on how sparse a layer is rather than on the size of what it passes.
/// A channel with no positive value gets its layer's percentile; a layer with none keeps its threshold.
/// </para>
/// </summary>
public static class QcfsThresholdInit
{
    /// <summary>The percentile of the positive pre-activations lambda starts from.</summary>
    public const double DefaultPercentile = 99.9;

    /// <summary>Images the statistics are taken over (the first of the first epoch's shuffle: its first batches).</summary>
    public const int DefaultImages = 256;

    /// <summary>Sets the thresholds of the QCFS layers at <paramref name="layers"/> from the images at <paramref name="indices"/>.</summary>
    /// <param name="network">The network (its other parameters already in place).</param>
    /// <param name="layers">Indices of the QCFS layers to set; other QCFS layers run with the thresholds they have.</param>
    /// <param name="images">The dataset the images come from.</param>
    /// <param name="indices">The images, run as one batch (the result depends on them only, not on the thread count).</param>
    /// <param name="percentile">Percentile in (0, 100].</param>
    public static void FromActivations(Network network, IReadOnlyCollection<int> layers, ImageDataset images, ReadOnlySpan<int> indices, double percentile = DefaultPercentile)
    {
        if (!(percentile > 0 && percentile <= 100)) throw new ArgumentOutOfRangeException(nameof(percentile), $"must be in (0, 100], got {percentile}");
        if (indices.Length == 0) throw new ArgumentException("no images to take activation statistics from", nameof(indices));
        int last = layers.Count == 0 ? -1 : layers.Max();
        Tensor x = BatchLoader.Load(images, indices).Images;
        // Layer by layer, not Network.Forward: the input of each activation is needed, and no batch-norm fusion applies to QCFS.
        for (int i = 0; i <= last; i++)
        {
            Layer layer = network.Layers[i];
            if (layers.Contains(i))
            {
                var qcfs = layer as QcfsLayer ?? throw new ArgumentException($"layer {i} ({layer.Spec.Describe()}) is not a QCFS activation", nameof(layers));
                SetThresholds(qcfs, x, percentile);
            }
            x = layer.Forward(x, ForwardContext.Eval);
        }
    }

    /// <summary>Sets <paramref name="layer"/>'s thresholds from its input batch <paramref name="input"/> (N, C, ...).</summary>
    public static void SetThresholds(QcfsLayer layer, Tensor input, double percentile)
    {
        float[] lambda = layer.Threshold.Value.Data;
        int n = input.Dim(0), c = input.Dim(1), plane = input.Length / Math.Max(1, n * c);
        float? whole = PositivePercentile(input.Span, percentile);
        if (lambda.Length == 1)
        {
            if (whole is { } value) lambda[0] = value;
            return;
        }
        if (lambda.Length != c) throw new ArgumentException($"{layer.Spec.Describe()}: input has {c} channels, the layer has {lambda.Length} thresholds");
        var channel = new float[n * plane];
        for (int ch = 0; ch < c; ch++)
        {
            for (int i = 0; i < n; i++) input.Data.AsSpan((i * c + ch) * plane, plane).CopyTo(channel.AsSpan(i * plane, plane));
            float? value = PositivePercentile(channel, percentile) ?? whole;
            if (value is { } v) lambda[ch] = v;
        }
    }

    /// <summary>
    /// The <paramref name="percentile"/>th percentile of the positive values of <paramref name="values"/>, linear between
    /// order statistics (numpy's default); null when none is positive.
    /// </summary>
    public static float? PositivePercentile(ReadOnlySpan<float> values, double percentile)
    {
        var positive = new List<float>();
        foreach (float v in values)
            if (v > 0f) positive.Add(v);
        if (positive.Count == 0) return null;
        float[] sorted = positive.ToArray();
        Array.Sort(sorted);
        double rank = percentile / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = Math.Min(lo + 1, sorted.Length - 1);
        return (float)(sorted[lo] + (rank - lo) * ((double)sorted[hi] - sorted[lo]));
    }
}
