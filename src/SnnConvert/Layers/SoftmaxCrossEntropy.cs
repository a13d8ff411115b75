using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Mean softmax cross-entropy over a batch: L = -(1/N) sum_n sum_j q_nj log softmax(z_n)[j], with the target
/// q_n = (1 - eps) onehot(y_n) + eps / K (label smoothing, Szegedy et al. 2016; eps = 0 is the plain loss).
/// Gradient: dL/dz_n = (softmax(z_n) - q_n) / N. Log-sum-exp is shifted by the row maximum.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Returns the loss and writes dL/dlogits into <paramref name="gradLogits"/> (same shape as logits).</summary>
    /// <param name="logits">Scores (N, K).</param>
    /// <param name="labels">Class indices, length N, each in [0, K).</param>
    /// <param name="gradLogits">Output gradient (N, K); may be null to skip.</param>
    /// <param name="smoothing">Label smoothing eps in [0, 1): the share of the target spread evenly over all K classes.</param>
    public static float Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradLogits, float smoothing = 0f)
    {
        int n = logits.Dim(0), k = logits.Dim(1);
        if (labels.Length != n) throw new ArgumentException($"cross-entropy: {labels.Length} labels for {n} rows of logits");
        if (!(smoothing >= 0f && smoothing < 1f)) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "label smoothing must be in [0, 1)");
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> z = logits.Data.AsSpan(i * k, k);
            int y = labels[i];
            if ((uint)y >= (uint)k) throw new ArgumentException($"cross-entropy: label {y} outside [0, {k})");
            float max = TensorPrimitives.Max(z);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(z[j] - max);
            double logSum = Math.Log(sum) + max;
            total += (1 - smoothing) * (logSum - z[y]);
            if (smoothing > 0f)
            {
                double zSum = 0;
                for (int j = 0; j < k; j++) zSum += z[j];
                total += smoothing * (logSum - zSum / k);   // eps * mean_j(-log p_j)
            }
            if (gradLogits is null) continue;
            Span<float> g = gradLogits.Data.AsSpan(i * k, k);
            double spread = smoothing / k;
            for (int j = 0; j < k; j++) g[j] = (float)((Math.Exp(z[j] - logSum) - spread) / n);
            g[y] -= (1f - smoothing) / n;
        }
        return (float)(total / n);
    }
}
