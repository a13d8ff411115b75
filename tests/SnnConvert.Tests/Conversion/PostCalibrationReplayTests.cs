using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

// Post-calibration's second measurement of a layer replays the layer's recorded inputs (ProbeInputLog) instead of
// simulating the layers before it again: the results must be those of the simulation, bit for bit.
public sealed class PostCalibrationReplayTests : IDisposable
{
    private const int T = 16, Images = 30, Batch = 10;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // ReplayNets' network (two convs), thresholds by max-current on grey images.
    private static (SpikingNetwork Net, ImageDataset Data) Balanced(bool gate, Readout readout)
    {
        SpikingNetwork template = ReplayNets.Template(11, gate, readout);
        ImageDataset data = TestNets.Grey(Images, 2, 8, 8, 3, seed: 4);
        return (new MaxCurrentThresholds(RescaleInputs: true).Balance(template, new CalibrationSettings(data, 8, Seed: 1, BatchSize: Batch)), data);
    }

    private static SpikingNetwork ShiftBias(SpikingNetwork net, int stage)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        return net.WithLayer(stage, layer with { Bias = layer.Bias!.Select((b, c) => b - 0.037f * (c % 3 + 1)).ToArray() });
    }

    [Theory]
    [InlineData(false, SynapseEngine.Auto, 4, Readout.Membrane)]
    [InlineData(true, SynapseEngine.Auto, 4, Readout.Membrane)]
    [InlineData(false, SynapseEngine.Dense, 4, Readout.Membrane)]
    [InlineData(true, SynapseEngine.EventDriven, 4, Readout.Membrane)]
    [InlineData(false, SynapseEngine.Auto, 2, Readout.Membrane)]
    [InlineData(true, SynapseEngine.Auto, 5, Readout.SpikeCount)]
    public void Replaying_recorded_inputs_with_another_bias_gives_the_simulated_error_bit_for_bit(bool gate, SynapseEngine engine, int stage, Readout readout)
    {
        var (net, data) = Balanced(gate, readout);
        var settings = new CalibrationSettings(data, T, Seed: 1, BatchSize: Batch, Engine: engine);
        double[] target = new double[((SynapticLayer)net.Layers[stage]).OutputChannels];
        var log = new ProbeInputLog(long.MaxValue);
        double[] before = PostCalibrator.Error(net, stage, target, settings, null, record: log);
        Assert.Equal(Images / Batch, log.Batches);
        Assert.Equal(before, PostCalibrator.Error(net, stage, target, settings, null));   // recording changes nothing

        SpikingNetwork shifted = ShiftBias(net, stage);
        double[] simulated = PostCalibrator.Error(shifted, stage, target, settings, null);
        Assert.NotEqual(before, simulated);
        Assert.Equal(simulated, PostCalibrator.Error(shifted, stage, target, settings, null, source: (log, stage)));

        // A budget for part of the batches: those replayed, the rest simulated, the same result.
        var part = new ProbeInputLog(log.BytesUsed / 2);
        PostCalibrator.Error(net, stage, target, settings, null, record: part);
        Assert.InRange(part.Batches, 1, Images / Batch - 1);
        Assert.Equal(simulated, PostCalibrator.Error(shifted, stage, target, settings, null, source: (part, stage)));
    }

    [Theory]
    [InlineData(false, SynapseEngine.Auto, 2, 4, Readout.Membrane)]
    [InlineData(true, SynapseEngine.Auto, 2, 4, Readout.Membrane)]
    [InlineData(true, SynapseEngine.EventDriven, 4, 5, Readout.SpikeCount)]
    [InlineData(false, SynapseEngine.Dense, 2, 5, Readout.Membrane)]
    public void Replaying_an_earlier_layers_inputs_through_it_changed_gives_the_simulated_error_bit_for_bit(bool gate, SynapseEngine engine, int from, int stage, Readout readout)
    {
        var (net, data) = Balanced(gate, readout);
        var settings = new CalibrationSettings(data, T, Seed: 1, BatchSize: Batch, Engine: engine);
        var log = new ProbeInputLog(long.MaxValue);
        PostCalibrator.Error(net, from, new double[((SynapticLayer)net.Layers[from]).OutputChannels], settings, null, record: log);
        // The earlier layer calibrated since: another bias and v(0).
        SpikingNetwork shifted = ShiftBias(net, from);
        var layer = (SynapticLayer)shifted.Layers[from];
        float[] v0 = Enumerable.Range(0, layer.OutputChannels).Select(c => 0.3f * layer.Thresholds[layer.Thresholds.Length == 1 ? 0 : c]).ToArray();
        SpikingNetwork changed = shifted.WithLayer(from, layer with { InitialPotential = v0 });
        double[] target = new double[((SynapticLayer)net.Layers[stage]).OutputChannels];
        double[] simulated = PostCalibrator.Error(changed, stage, target, settings, null);
        Assert.NotEqual(PostCalibrator.Error(net, stage, target, settings, null), simulated);
        Assert.Equal(simulated, PostCalibrator.Error(changed, stage, target, settings, null, source: (log, from)));
    }

    [Fact]
    public void The_first_weighted_layer_under_direct_input_is_not_recorded()
    {
        var (net, data) = Balanced(false, Readout.Membrane);
        var log = new ProbeInputLog(long.MaxValue);
        PostCalibrator.Error(net, 0, new double[4], new CalibrationSettings(data, T, Seed: 1, BatchSize: Batch), null, record: log);
        Assert.Equal(0, log.Batches);
    }

    [Theory]
    [InlineData(false, Readout.Membrane, PostCalibration.Bias | PostCalibration.Membrane)]
    [InlineData(true, Readout.SpikeCount, PostCalibration.Bias | PostCalibration.Membrane)]
    [InlineData(false, Readout.Membrane, PostCalibration.Bias)]
    [InlineData(true, Readout.SpikeCount, PostCalibration.Membrane)]
    public void Calibration_with_replays_writes_the_file_of_the_simulating_path(bool gate, Readout readout, PostCalibration steps)
    {
        var (net, data) = Balanced(gate, readout);
        var settings = new CalibrationSettings(data, T, Seed: 1, BatchSize: Batch);
        byte[] Written(long budget, string name)
        {
            string path = Path.Combine(_temp.Path, name);
            SnnFile.Save(path, PostCalibrator.Calibrate(net, steps, settings, null, PostCalibrator.DefaultImages, budget));
            return File.ReadAllBytes(path);
        }
        byte[] simulating = Written(0, "simulating.snn");
        Assert.Equal(simulating, Written(PostCalibrator.ReplayBudgetBytes, "replaying.snn"));
        Assert.Equal(simulating, Written(2_000, "partly.snn"));
        Assert.NotEqual(File.ReadAllBytes(Save(net)), simulating);
    }

    private string Save(SpikingNetwork net)
    {
        string path = Path.Combine(_temp.Path, "balanced.snn");
        SnnFile.Save(path, net);
        return path;
    }
}
