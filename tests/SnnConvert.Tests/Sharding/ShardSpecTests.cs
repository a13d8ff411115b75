using SnnConvert.Errors;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Sharding;

public class ShardSpecTests
{
    [Theory]
    [InlineData(50, 8, 1)]
    [InlineData(50, 8, 3)]
    [InlineData(50, 8, 7)]
    [InlineData(50, 8, 11)]
    [InlineData(10000, 100, 10)]
    [InlineData(0, 4, 3)]
    public void Shards_are_disjoint_contiguous_runs_of_whole_batches_covering_every_image(int images, int batch, int n)
    {
        var ranges = Enumerable.Range(0, n).Select(k => new ShardSpec(k, n).Images(images, batch)).ToArray();
        int next = 0;
        foreach (ImageRange r in ranges)
        {
            Assert.Equal(next, r.Start);
            Assert.True(r.Count >= 0);
            Assert.Equal(0, r.Start % batch);
            Assert.True(r.End % batch == 0 || r.End == images, $"[{r.Start}, {r.End}) ends inside a batch");
            next = r.End;
        }
        Assert.Equal(images, next);
        int batches = (images + batch - 1) / batch;
        // Batches are spread as evenly as whole batches allow: shard sizes differ by at most one batch.
        var perShard = ranges.Select(r => (r.Count + batch - 1) / batch).ToArray();
        Assert.Equal(batches, perShard.Sum());
        Assert.True(perShard.Max() - perShard.Min() <= 1);
    }

    [Fact]
    public void More_shards_than_batches_leaves_some_shards_without_images()
    {
        var ranges = Enumerable.Range(0, 7).Select(k => new ShardSpec(k, 7).Images(20, 4)).ToArray();   // 5 batches
        Assert.Equal(2, ranges.Count(r => r.Count == 0));
        Assert.Equal(20, ranges.Sum(r => r.Count));
    }

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("6/7", 6, 7)]
    public void Parse_reads_K_slash_N(string text, int k, int n) => Assert.Equal(new ShardSpec(k, n), ShardSpec.Parse(text));

    [Theory]
    [InlineData("3/3")]
    [InlineData("1/0")]
    [InlineData("-1/3")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void Parse_refuses_what_is_not_a_shard(string text)
    {
        var e = Assert.Throws<InvalidSettingException>(() => ShardSpec.Parse(text));
        Assert.Contains(text, e.Message);
    }
}
