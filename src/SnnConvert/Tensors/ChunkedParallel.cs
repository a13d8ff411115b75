namespace SnnConvert.Tensors;

/// <summary>
/// Splits a range into a fixed number of contiguous chunks and runs them in parallel. The chunking
/// does not depend on the core count, so per-chunk partial sums reduced in chunk order give the same
/// floating-point result on every machine.
/// </summary>
public static class ChunkedParallel
{
    // One worker per core (the calling thread counts): more only time-slice the chunks and evict each other's caches.
    private static readonly ParallelOptions Options = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Number of chunks a range is split into at most.</summary>
    public const int MaxChunks = 16;

    /// <summary>Number of chunks used for <paramref name="count"/> items.</summary>
    public static int ChunkCount(int count) => Math.Max(1, Math.Min(count, MaxChunks));

    /// <summary>Runs <paramref name="body"/>(chunk, start, end) for each chunk of [0, count).</summary>
    public static void For(int count, Action<int, int, int> body) => For(count, ChunkCount(count), body);

    /// <summary>
    /// Runs <paramref name="body"/>(chunk, start, end) for each of <paramref name="chunks"/> chunks of [0, count): for
    /// callers that size chunks from the work per item (which must depend on the sizes only, never on the thread count).
    /// </summary>
    public static void For(int count, int chunks, Action<int, int, int> body)
    {
        if (chunks < 1 || chunks > Math.Max(1, count)) throw new ArgumentOutOfRangeException(nameof(chunks), $"{chunks} chunks for {count} items");
        if (chunks == 1) { body(0, 0, count); return; }
        Parallel.For(0, chunks, Options, chunk =>
        {
            (int start, int end) = Bounds(count, chunks, chunk);
            body(chunk, start, end);
        });
    }

    /// <summary>Elements per chunk below which <see cref="ForElements"/> does not split further.</summary>
    public const int MinElementsPerChunk = 16384;

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over chunks of [0, count) for element-wise work whose result does not
    /// depend on the split: large ranges use up to <see cref="MaxChunks"/> chunks, small ones fewer (down to one, run
    /// inline) so that a few thousand elements do not pay for a parallel loop.
    /// </summary>
    public static void ForElements(int count, Action<int, int> body)
    {
        int chunks = Math.Clamp(count / MinElementsPerChunk, 1, MaxChunks);
        if (chunks == 1) { body(0, count); return; }
        Parallel.For(0, chunks, Options, chunk =>
        {
            (int start, int end) = Bounds(count, chunks, chunk);
            body(start, end);
        });
    }

    /// <summary>The half-open range of chunk <paramref name="chunk"/> out of <paramref name="chunks"/>.</summary>
    public static (int Start, int End) Bounds(int count, int chunks, int chunk)
    {
        long start = (long)count * chunk / chunks, end = (long)count * (chunk + 1) / chunks;
        return ((int)start, (int)end);
    }
}
