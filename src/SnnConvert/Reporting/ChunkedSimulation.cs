using System.Diagnostics;
using SnnConvert.Data;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// One method's simulation in a reproduction, run in chunks of whole batches, each kept in the run's
/// <see cref="ReproductionCheckpoints"/> as soon as it is done, so that a run killed within a long simulation (about an
/// hour per method on CIFAR-10 with 2 cores) goes on from the chunk it was in. The chunks' sums merge as shards do
/// (<see cref="PartialSimulation.Merge"/>): integer counts added, synaptic operations added batch by batch in ascending
/// order, so the result holds the bits of one pass over all images.
/// </summary>
public static class ChunkedSimulation
{
    /// <summary>Chunks per simulation (fewer when there are fewer batches).</summary>
    public const int Chunks = 10;

    /// <summary>The image ranges of the chunks: consecutive, each of whole batches of <paramref name="batchSize"/>.</summary>
    public static IReadOnlyList<ImageRange> Ranges(int images, int batchSize)
    {
        int batches = (images + batchSize - 1) / batchSize;
        int perChunk = Math.Max(1, (batches + Chunks - 1) / Chunks) * batchSize;
        var ranges = new List<ImageRange>();
        for (int start = 0; start < images; start += perChunk) ranges.Add(new ImageRange(start, Math.Min(images, start + perChunk)));
        return ranges;
    }

    /// <summary>
    /// Simulates <paramref name="snn"/> on <paramref name="test"/>, reusing the chunks saved for it and saving the others.
    /// Returns the result and the wall time of all chunks (those of earlier runs included).
    /// </summary>
    /// <param name="snn">The method's conversion.</param>
    /// <param name="conversion">SHA-256 of its saved file, which keys its chunks.</param>
    /// <param name="variant">The method.</param>
    /// <param name="checkpoints">Where chunks are kept.</param>
    /// <param name="test">Test images.</param>
    /// <param name="options">Steps, encoding, seed, batch size.</param>
    /// <param name="cnnPredictions">The reference CNN's prediction per image.</param>
    /// <param name="cnnMacs">The reference CNN's MACs per image.</param>
    /// <param name="progress">Receives the number of images done.</param>
    public static (SimulationResult Result, double Seconds) Run(SpikingNetwork snn, string conversion, MethodVariant variant, ReproductionCheckpoints checkpoints,
        ImageDataset test, SimulationOptions options, int[] cnnPredictions, long cnnMacs, IProgress<int>? progress)
    {
        var parts = new List<PartialSimulation>();
        double seconds = 0;
        foreach (ImageRange range in Ranges(test.Count, options.BatchSize))
        {
            if (checkpoints.TryLoadChunk(variant, conversion, range) is { } saved)
            {
                parts.Add(saved.Part);
                seconds += saved.Seconds;
                progress?.Report(range.End);
            }
            else
            {
                var clock = Stopwatch.StartNew();
                var ledger = new SynOpsLedger();
                SimulationResult chunk = SnnSimulator.Run(snn, test, options, range, ledger, cnnPredictions, cnnMacs,
                    progress is null ? null : new Forward(progress, range.Start));
                var part = PartialSimulation.From(chunk, ledger, snn.Layers.Count, cnnCorrect: null);
                double elapsed = clock.Elapsed.TotalSeconds;
                checkpoints.SaveChunk(variant, conversion, range, part, elapsed);
                parts.Add(part);
                seconds += elapsed;
            }
        }
        var (result, _) = PartialSimulation.Merge(parts, i => $"chunk {i} of {variant.Label}");
        return (result, seconds);
    }

    // Reports a chunk's images done as images done of the whole set, synchronously (Progress<T> would post to a thread pool).
    private sealed class Forward(IProgress<int> sink, int offset) : IProgress<int>
    {
        public void Report(int value) => sink.Report(offset + value);
    }
}
