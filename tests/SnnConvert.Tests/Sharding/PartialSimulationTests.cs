using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Sharding;

public class PartialSimulationTests
{
    // One layer, one step; each batch's synaptic operations chosen so that the order of the additions changes the sum.
    private static PartialSimulation Part(int images, long correct, params (int Index, double Ops)[] batches) =>
        new(images, 1, InputEncoding.Direct, [correct], null, null, [new PartialLayer(0, "l", 4, [correct * 2])], [0], 10, 20,
            batches.Select(b => new PartialBatch(b.Index, [[b.Ops]], [0.0])).ToArray());

    [Fact]
    public void Operations_are_added_batch_by_batch_in_global_order_whatever_the_order_of_the_parts()
    {
        // Batches 0..3 hold 1e16, 0, 1, 1: added one by one in batch order the total is 1e16 (each 1 is lost against
        // 1e16, whose neighbouring doubles are 2 apart), while adding the shards' own sums, 1e16 + (1 + 1), gives 1e16 + 2.
        double[] values = [1e16, 0.0, 1.0, 1.0];
        double expected = 0.0;
        foreach (double v in values) expected += v;
        PartialSimulation a = Part(8, 3, (0, values[0]), (1, values[1])), b = Part(8, 5, (2, values[2]), (3, values[3])), empty = Part(0, 0);
        foreach (PartialSimulation[] order in new[] { new[] { a, b, empty }, new[] { empty, b, a }, new[] { b, empty, a } })
        {
            var (result, cnn) = PartialSimulation.Merge(order, i => $"part {i}");
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(result.Layers[0].SynOpsAtStep[0]));
            Assert.Equal(16, result.Images);
            Assert.Equal(8, result.CorrectAtStep[0]);
            Assert.Equal(16, result.Layers[0].SpikesAtStep[0]);
            Assert.Null(cnn);
        }
        Assert.NotEqual(expected, (values[0] + values[1]) + (values[2] + values[3]));   // what summing per shard first would give
    }

    [Fact]
    public void Parts_of_different_simulations_are_refused()
    {
        PartialSimulation a = Part(4, 1, (0, 1.0)), b = Part(4, 1, (1, 1.0)) with { FirstLayerMacs = 11 };
        var e = Assert.Throws<SnnConvert.Errors.ShardMismatchException>(() => PartialSimulation.Merge([a, b], i => $"part {i}"));
        Assert.Contains("part 1", e.Message);
    }
}
