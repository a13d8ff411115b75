using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

public class ChunkedParallelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(100)]
    [InlineData(1001)]
    public void For_visits_every_index_exactly_once_in_contiguous_chunks(int count)
    {
        var visits = new int[count];
        var chunkRanges = new (int Start, int End)[ChunkedParallel.MaxChunks];
        var chunkSeen = new int[ChunkedParallel.MaxChunks];
        ChunkedParallel.For(count, (chunk, start, end) =>
        {
            Interlocked.Increment(ref chunkSeen[chunk]);
            chunkRanges[chunk] = (start, end);
            for (int i = start; i < end; i++) Interlocked.Increment(ref visits[i]);
        });

        Assert.All(visits, v => Assert.Equal(1, v));
        int chunks = ChunkedParallel.ChunkCount(count);
        Assert.Equal(Math.Max(1, Math.Min(count, ChunkedParallel.MaxChunks)), chunks);
        // Chunks 0..chunks-1 each ran once, none beyond; they tile [0, count) in order and none is empty
        // unless the range is.
        for (int c = 0; c < ChunkedParallel.MaxChunks; c++) Assert.Equal(c < chunks ? 1 : 0, chunkSeen[c]);
        int next = 0;
        for (int c = 0; c < chunks; c++)
        {
            Assert.Equal(next, chunkRanges[c].Start);
            Assert.True(count == 0 || chunkRanges[c].End > chunkRanges[c].Start, $"chunk {c} is empty");
            next = chunkRanges[c].End;
        }
        Assert.Equal(count, next);
    }

    [Fact]
    public void Bounds_split_evenly_and_do_not_depend_on_the_machine()
    {
        // 10 items in 4 chunks: floor(10 c / 4) = 0, 2, 5, 7, 10.
        Assert.Equal((0, 2), ChunkedParallel.Bounds(10, 4, 0));
        Assert.Equal((2, 5), ChunkedParallel.Bounds(10, 4, 1));
        Assert.Equal((5, 7), ChunkedParallel.Bounds(10, 4, 2));
        Assert.Equal((7, 10), ChunkedParallel.Bounds(10, 4, 3));
        // No overflow for counts near int.MaxValue.
        var (start, end) = ChunkedParallel.Bounds(int.MaxValue, 16, 15);
        Assert.Equal(int.MaxValue, end);
        Assert.True(start > 0 && start < end);
    }
}
