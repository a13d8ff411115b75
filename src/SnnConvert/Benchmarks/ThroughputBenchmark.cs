using System.Diagnostics;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;

namespace SnnConvert.Benchmarks;

/// <summary>Median images per second of training steps and inference passes, in one process.</summary>
/// <param name="Model">Zoo model name.</param>
/// <param name="TrainImagesPerSecond">Median over repeats of forward + backward + SGD step throughput.</param>
/// <param name="InferImagesPerSecond">Median over repeats of evaluation-mode forward throughput.</param>
/// <param name="TrainRuns">Each repeat's training throughput.</param>
/// <param name="InferRuns">Each repeat's inference throughput.</param>
public sealed record ThroughputResult(string Model, double TrainImagesPerSecond, double InferImagesPerSecond, double[] TrainRuns, double[] InferRuns);

/// <summary>
/// Measures training and inference throughput of a network on random inputs (the same workload as
/// bench/pytorch_bench.py): batches of a fixed size, one warm-up batch, then repeats of at least
/// <c>seconds</c> each; the median repeat is reported.
/// </summary>
public static class ThroughputBenchmark
{
    /// <summary>Runs the benchmark for <paramref name="zoo"/>.</summary>
    public static ThroughputResult Run(ZooModel zoo, int trainBatch, int inferBatch, int repeats, double seconds, int seed)
    {
        Random random = SeedMixer.Random(seed, RandomStreams.CnnBenchmark);
        Network network = zoo.Build(random);
        var optimizer = new SgdOptimizer(0.9f, false, 5e-4f);
        IReadOnlyList<Parameter> parameters = network.Parameters;
        Tensor trainInput = RandomImages(trainBatch, zoo.InputShape, random), inferInput = RandomImages(inferBatch, zoo.InputShape, random);
        int[] labels = Enumerable.Range(0, trainBatch).Select(i => i % network.ClassCount).ToArray();
        var context = new ForwardContext(true, random) { ReuseBuffers = true };   // as the trainer's steps

        void TrainStep()
        {
            Tensor logits = network.Forward(trainInput, context);
            var grad = new Tensor(logits.Shape);
            SoftmaxCrossEntropy.Compute(logits, labels, grad);
            network.ZeroGrad();
            network.Backward(grad);
            optimizer.Step(parameters, 1e-3f);
        }
        void InferStep() => network.Forward(inferInput, ForwardContext.EvalReusingBuffers);   // as Evaluator's loop

        double[] train = Measure(TrainStep, trainBatch, repeats, seconds);
        double[] infer = Measure(InferStep, inferBatch, repeats, seconds);
        return new ThroughputResult(zoo.Name, Median(train), Median(infer), train, infer);
    }

    private static double[] Measure(Action step, int batch, int repeats, double seconds)
    {
        step();   // warm-up: JIT, buffers
        var runs = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            int images = 0;
            do { step(); images += batch; } while (clock.Elapsed.TotalSeconds < seconds);
            runs[r] = images / clock.Elapsed.TotalSeconds;
        }
        return runs;
    }

    private static Tensor RandomImages(int n, int[] shape, Random random)
    {
        var t = new Tensor([n, .. shape]);
        for (int i = 0; i < t.Length; i++) t.Data[i] = random.NextSingle();
        return t;
    }

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
