using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

// The sequential balancer (max-current, Spike-Norm) replays the recorded inputs of the layer it calibrated last
// instead of simulating every layer before the next one again: the thresholds, and so the written file, must be
// those of the simulating path bit for bit, whatever part of the batches the memory budget lets it replay.
public sealed class SequentialReplayTests : IDisposable
{
    private const int Images = 40, Batch = 10;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // ReplayNets' network with three convs: under direct input the second conv's inputs are not worth recording (the
    // first conv's current is constant), the third conv's are, and the hidden linear layer replays them.
    private static (SpikingNetwork Template, ImageDataset Data) Template(bool gate, Readout readout) =>
        (ReplayNets.Template(5, gate, readout, thirdConv: true), TestNets.Grey(Images, 2, 8, 8, 3, seed: 9));

    [Theory]
    [InlineData(false, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto, 100.0, null)]
    [InlineData(true, InputEncoding.Direct, Readout.SpikeCount, SynapseEngine.EventDriven, 100.0, null)]
    [InlineData(false, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Dense, 99.0, null)]
    [InlineData(false, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto, 100.0, 4)]
    [InlineData(true, InputEncoding.Rate, Readout.Membrane, SynapseEngine.Auto, 100.0, null)]
    public void Balancing_with_replays_writes_the_file_of_the_simulating_path(bool gate, InputEncoding encoding, Readout readout, SynapseEngine engine,
        double percentile, int? target)
    {
        var (template, data) = Template(gate, readout);
        var settings = new CalibrationSettings(data, 12, Seed: 1, BatchSize: Batch, Engine: engine, Target: target is { } t ? new LatencyTarget(t, HalfThresholdStart: true) : null);
        (byte[] Bytes, int Replayed) Written(long budget, string name)
        {
            SpikingNetwork net = SequentialCurrentBalancer.Balance(template, settings, ThresholdGranularity.Channel, percentile, encoding, rescaleInputs: true,
                "max-current", null, budget, out int replayed);
            string path = Path.Combine(_temp.Path, name);
            SnnFile.Save(path, net);
            return (File.ReadAllBytes(path), replayed);
        }
        var (simulating, none) = Written(0, "simulating.snn");
        Assert.Equal(0, none);
        var (replaying, all) = Written(long.MaxValue, "replaying.snn");
        // Every batch of every layer after the first one recorded: the hidden linear layer (and under rate input, or
        // with a calibrated output layer, more).
        Assert.True(all >= Images / Batch, $"{all} batches replayed");
        Assert.Equal(simulating, replaying);
        // A budget for part of a record: some batches replayed, the rest simulated, the same file.
        var (partial, some) = Written(6_000, "partial.snn");
        Assert.InRange(some, 1, all - 1);
        Assert.Equal(simulating, partial);
    }
}
