using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>The chunks a reproduction's simulation is saved in: they must be shards the simulator accepts and cover every image once.</summary>
public sealed class ChunkedSimulationTests
{
    [Theory]
    [InlineData(10_000, 100, 10)]
    [InlineData(100, 10, 10)]
    [InlineData(95, 10, 10)]     // the last chunk ends at the dataset's end, not on a batch boundary
    [InlineData(50, 10, 5)]      // fewer batches than chunks: one batch each
    [InlineData(7, 100, 1)]      // one partial batch
    [InlineData(1_001, 100, 6)]  // 11 batches: two per chunk
    public void Chunks_are_consecutive_whole_batches_covering_every_image_once(int images, int batch, int chunks)
    {
        IReadOnlyList<ImageRange> ranges = ChunkedSimulation.Ranges(images, batch);
        Assert.Equal(chunks, ranges.Count);
        Assert.True(ranges.Count <= ChunkedSimulation.Chunks);
        Assert.Equal(0, ranges[0].Start);
        Assert.Equal(images, ranges[^1].End);
        for (int i = 0; i < ranges.Count; i++)
        {
            Assert.True(ranges[i].Count > 0);
            Assert.Equal(0, ranges[i].Start % batch);
            Assert.True(ranges[i].End % batch == 0 || ranges[i].End == images);
            if (i > 0) Assert.Equal(ranges[i - 1].End, ranges[i].Start);
        }
    }
}
