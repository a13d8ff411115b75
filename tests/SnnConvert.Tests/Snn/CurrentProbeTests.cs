using SnnConvert.Data;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

public class CurrentProbeTests
{
    // Keeps every call: its rows in the order given, with the (images, steps) it was told.
    private sealed class RecordingProbe(int stage) : CurrentProbe(stage)
    {
        public List<(float[] Rows, int Images, int Steps)> Calls { get; } = [];

        public override void Record(ReadOnlyMemory<float> currents, int images, int steps) => Calls.Add((currents.ToArray(), images, steps));
    }

    private static SpikingNetwork Net() =>
        TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 5), [0.5f, 0.75f, 1f], [1f], [0.75f], [1f]);

    // Per image, per step: the reference's current of `stage` (exact: binary images, dyadic weights and thresholds).
    private static double[][][] ReferenceCurrents(SpikingNetwork net, ImageDataset data, int stage, int steps, InputEncoding encoding)
    {
        var result = new double[data.Count][][];
        for (int i = 0; i < data.Count; i++)
        {
            var run = new SnnReference(net, stopAt: stage);
            run.Start(SnnReference.Image(data, i), encoding == InputEncoding.Rate ? InputEncoder.RateKey(2, i) : null);
            result[i] = new double[steps][];
            for (int t = 0; t < steps; t++)
            {
                run.Step();
                result[i][t] = (double[])run.Current(stage).Clone();
            }
        }
        return result;
    }

    [Theory]
    [InlineData(InputEncoding.Direct, SynapseEngine.Auto, 1)]
    [InlineData(InputEncoding.Direct, SynapseEngine.Dense, 3)]
    [InlineData(InputEncoding.Rate, SynapseEngine.EventDriven, 7)]
    [InlineData(InputEncoding.Rate, SynapseEngine.Auto, 4)]
    public void A_probe_receives_every_current_of_its_layer_block_by_block_in_time_major_order(InputEncoding encoding, SynapseEngine engine, int block)
    {
        SpikingNetwork net = Net();
        ImageDataset data = TestNets.Binary(5, 1, 6, 6, 3, seed: 11, density: 0.4);
        const int stage = 4, steps = 7;   // the hidden linear layer, after two spiking convolutions
        var probe = new RecordingProbe(stage);
        var runner = new SnnBlockRunner(net, data.Count, block, encoding, net.Readout, engine, probe);
        runner.Start(data, 0, data.Count, seed: 2);
        for (int t = 0; t < steps; t += block) runner.Run(Math.Min(block, steps - t));

        double[][][] expected = ReferenceCurrents(net, data, stage, steps, encoding);
        Assert.Equal((steps + block - 1) / block, probe.Calls.Count);
        int t0 = 0, size = 5;
        foreach (var (rows, images, callSteps) in probe.Calls)
        {
            Assert.Equal(data.Count, images);
            Assert.Equal(Math.Min(block, steps - t0), callSteps);
            Assert.Equal(images * callSteps * size, rows.Length);
            for (int t = 0; t < callSteps; t++)
                for (int i = 0; i < images; i++)
                    for (int k = 0; k < size; k++)
                        Assert.Equal(expected[i][t0 + t][k], rows[(t * images + i) * size + k]);
            t0 += callSteps;
        }
        Assert.Equal(steps, t0);
        Assert.Contains(probe.Calls.SelectMany(c => c.Rows), v => v != 0f);
    }

    [Fact]
    public void Under_direct_input_the_first_layer_is_probed_once_per_batch_with_its_constant_current()
    {
        SpikingNetwork net = Net();
        ImageDataset data = TestNets.Binary(4, 1, 6, 6, 3, seed: 12);
        Assert.True(InputEncoder.GivesConstantCurrent(net, InputEncoding.Direct, 0));
        Assert.False(InputEncoder.GivesConstantCurrent(net, InputEncoding.Rate, 0));
        Assert.False(InputEncoder.GivesConstantCurrent(net, InputEncoding.Direct, 2));
        var probe = new RecordingProbe(0);
        var runner = new SnnBlockRunner(net, 3, 2, InputEncoding.Direct, net.Readout, SynapseEngine.Auto, probe);
        for (int start = 0; start < data.Count; start += 3)
        {
            int n = Math.Min(3, data.Count - start);
            runner.Start(data, start, n, seed: 1);
            runner.Run(2);
            runner.Run(1);
        }
        Assert.Equal([(3, 1), (1, 1)], probe.Calls.Select(c => (c.Images, c.Steps)));
        float[] all = probe.Calls.SelectMany(c => c.Rows).ToArray();
        double[][][] expected = ReferenceCurrents(net, data, 0, 1, InputEncoding.Direct);
        int size = 3 * 6 * 6;
        for (int i = 0; i < data.Count; i++)
            for (int k = 0; k < size; k++) Assert.Equal(expected[i][0][k], all[i * size + k]);
    }

    [Fact]
    public void A_probe_on_a_layer_without_weights_is_refused()
    {
        SpikingNetwork net = Net();
        Assert.Throws<ArgumentOutOfRangeException>(() => new SnnBlockRunner(net, 1, 1, InputEncoding.Direct, net.Readout, SynapseEngine.Auto, new RecordingProbe(1)));
    }
}
