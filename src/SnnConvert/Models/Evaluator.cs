using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Models;

/// <summary>Accuracy and mean loss of a network on a dataset.</summary>
/// <param name="Correct">Correctly classified images.</param>
/// <param name="Count">Images evaluated.</param>
/// <param name="Loss">Mean cross-entropy.</param>
public sealed record EvaluationResult(int Correct, int Count, double Loss)
{
    /// <summary>Accuracy in percent.</summary>
    public double AccuracyPercent => Count == 0 ? 0 : 100.0 * Correct / Count;
}

/// <summary>Evaluates a network in inference mode (dropout off, batch norm with running statistics).</summary>
public static class Evaluator
{
    /// <summary>Checks that <paramref name="network"/> accepts the images and labels of <paramref name="data"/>.</summary>
    /// <exception cref="ModelDataMismatchException">Image shape or class count differ.</exception>
    public static void CheckCompatible(Network network, ImageDataset data)
    {
        if (!network.InputShape.AsSpan().SequenceEqual(data.SampleShape))
            throw new ModelDataMismatchException(
                $"model \"{network.Name}\" expects images of shape {Tensor.ShapeToText(network.InputShape)} but dataset {data.Name} has {Tensor.ShapeToText(data.SampleShape)}");
        if (network.ClassCount != data.ClassNames.Count)
            throw new ModelDataMismatchException(
                $"model \"{network.Name}\" outputs {network.ClassCount} classes but dataset {data.Name} has {data.ClassNames.Count}");
    }

    /// <summary>Evaluates on all of <paramref name="data"/>; <paramref name="progress"/> receives images done.</summary>
    public static EvaluationResult Evaluate(Network network, ImageDataset data, int batchSize = 250, IProgress<int>? progress = null)
    {
        CheckCompatible(network, data);
        int correct = 0;
        double lossSum = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            var (images, labels) = BatchLoader.LoadRange(data, start, count);
            // Each batch's logits are read before the next batch: the layers may write into last batch's tensors
            // (allocating batch-sized arrays per batch made inference 3-5x slower on a Zen 5, docs/benchmarks.md).
            Tensor logits = network.Forward(images, ForwardContext.EvalReusingBuffers);
            lossSum += SoftmaxCrossEntropy.Compute(logits, labels, null) * count;
            correct += CountCorrect(logits, labels);
            progress?.Report(start + count);
        }
        return new EvaluationResult(correct, data.Count, data.Count == 0 ? 0 : lossSum / data.Count);
    }

    /// <summary>The CNN's predictions on <paramref name="data"/> and its accuracy in percent: the reference an SNN is compared with.</summary>
    public static (int[] Predictions, double Accuracy) Reference(Network network, ImageDataset data)
    {
        int[] predictions = Predict(network, data);
        int correct = 0;
        for (int i = 0; i < data.Count; i++) if (predictions[i] == data.Label(i)) correct++;
        return (predictions, 100.0 * correct / Math.Max(1, data.Count));
    }

    /// <summary>The predicted class of every image of <paramref name="data"/>.</summary>
    public static int[] Predict(Network network, ImageDataset data, int batchSize = 250)
    {
        CheckCompatible(network, data);
        var predictions = new int[data.Count];
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            Tensor logits = network.Forward(BatchLoader.LoadRange(data, start, count).Images, ForwardContext.EvalReusingBuffers);
            int k = logits.Dim(1);
            for (int i = 0; i < count; i++) predictions[start + i] = TensorPrimitives.IndexOfMax(logits.Data.AsSpan(i * k, k));
        }
        return predictions;
    }

    /// <summary>Number of rows of <paramref name="logits"/> (N, K) whose arg-max equals the label.</summary>
    public static int CountCorrect(Tensor logits, ReadOnlySpan<int> labels)
    {
        int k = logits.Dim(1), correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (TensorPrimitives.IndexOfMax(logits.Data.AsSpan(i * k, k)) == labels[i]) correct++;
        return correct;
    }
}
