using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Mean softmax cross-entropy over a batch: L = -(1/N) sum_n log softmax(z_n)[y_n].
/// Gradient: dL/dz_n = (softmax(z_n) - onehot(y_n)) / N. Log-sum-exp is shifted by the row maximum.
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>Returns the loss and writes dL/dlogits into <paramref name="gradLogits"/> (same shape as logits).</summary>
    /// <param name="logits">Scores (N, K).</param>
    /// <param name="labels">Class indices, length N, each in [0, K).</param>
    /// <param name="gradLogits">Output gradient (N, K); may be null to skip.</param>
    public static float Compute(Tensor logits, ReadOnlySpan<int> labels, Tensor? gradLogits)
    {
        int n = logits.Dim(0), k = logits.Dim(1);
        if (labels.Length != n) throw new ArgumentException($"cross-entropy: {labels.Length} labels for {n} rows of logits");
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
            total += logSum - z[y];
            if (gradLogits is null) continue;
            Span<float> g = gradLogits.Data.AsSpan(i * k, k);
            for (int j = 0; j < k; j++) g[j] = (float)(Math.Exp(z[j] - logSum) / n);
            g[y] -= 1f / n;
        }
        return (float)(total / n);
    }
}
