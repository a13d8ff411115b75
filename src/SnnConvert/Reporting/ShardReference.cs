using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>The CNN's predictions on a shard's images, computed in the batches <see cref="Evaluator.Predict"/> uses on the whole set.</summary>
public static class ShardReference
{
    /// <summary>Batch size of <see cref="Evaluator.Predict"/>'s default, whose batch boundaries a shard keeps.</summary>
    public const int EvaluatorBatch = 250;

    /// <summary>
    /// Predictions indexed by global image (-1 outside <paramref name="range"/>) and the number correct inside it. The
    /// images evaluated are <paramref name="range"/> widened to whole evaluator batches, so that every image is in the
    /// same batch as in <see cref="Evaluator.Reference"/> over all of <paramref name="test"/>.
    /// </summary>
    public static (int[] Predictions, int Correct) Predict(Network network, ImageDataset test, ImageRange range)
    {
        var predictions = new int[test.Count];
        Array.Fill(predictions, -1);
        if (range.Count == 0) return (predictions, 0);
        int start = range.Start / EvaluatorBatch * EvaluatorBatch;
        int end = Math.Min(test.Count, (range.End + EvaluatorBatch - 1) / EvaluatorBatch * EvaluatorBatch);
        ImageDataset widened = start == 0 && end == test.Count ? test : test.Subset(Enumerable.Range(start, end - start).ToArray());
        int[] local = Evaluator.Predict(network, widened, EvaluatorBatch);
        int correct = 0;
        for (int i = range.Start; i < range.End; i++)
        {
            predictions[i] = local[i - start];
            if (predictions[i] == test.Label(i)) correct++;
        }
        return (predictions, correct);
    }
}
