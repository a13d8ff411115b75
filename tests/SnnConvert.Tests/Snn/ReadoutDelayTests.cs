using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Nir;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

public sealed class ReadoutDelayTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Input 1x1x2, flatten, output linear 2->2 = identity with bias (0, 1/8): the output current is constant,
    // z = (x0, x1 + 1/8), so after T steps with delay D the membrane is (T - D) z for T > D and 0 before.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void The_output_integrates_only_after_the_delay_in_closed_form(int delay)
    {
        ImageDataset data = TestNets.Dataset(1, 1, 2, 2, [[255, 0], [0, 255]], [0, 1]);
        SpikingNetwork net = TestNets.Network([1, 1, 2], 2, new SnnFlatten(),
            new SnnLinear(2, 2) { Weight = [1f, 0f, 0f, 1f], Bias = [0f, 0.125f], Spiking = false }) with { ReadoutDelay = delay };
        const int T = 6;
        for (int i = 0; i < data.Count; i++)
        {
            var runner = new SnnBlockRunner(net, 1, 2, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto);
            runner.Start(data, i, 1, 1);
            for (int block = 0; block < T / 2; block++)
            {
                runner.Run(2);
                for (int t = 0; t < 2; t++)
                {
                    int step = block * 2 + t + 1;   // 1-based
                    // Before any step is integrated both potentials are 0 and the arg-max is class 0.
                    int expected = step <= delay ? 0 : i == 0 ? 0 : 1;
                    Assert.Equal(expected, runner.Prediction(t, 0));
                }
            }
            var reference = new SnnReference(net);
            reference.Start(SnnReference.Image(data, i));
            for (int t = 0; t < T; t++) reference.Step();
            double[] z = i == 0 ? [1, 0.125] : [0, 1.125];
            for (int o = 0; o < 2; o++) Assert.Equal((T - delay) * z[o], reference.Membrane(1)[o], 12);
        }
    }

    public static TheoryData<SynapseEngine, InputEncoding, int> Engines()
    {
        var data = new TheoryData<SynapseEngine, InputEncoding, int>();
        foreach (SynapseEngine engine in Enum.GetValues<SynapseEngine>())
            foreach (int delay in new[] { 1, 5 })
            {
                data.Add(engine, InputEncoding.Direct, delay);
                data.Add(engine, InputEncoding.Rate, delay);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void A_delayed_readout_matches_the_reference_simulation_step_by_step(SynapseEngine engine, InputEncoding encoding, int delay)
    {
        SpikingNetwork net = TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 3), [1f, 0.75f, 0.5f], [1f, 0.5f, 0.75f, 1f], [1f], [1f, 0.75f, 0.5f])
            with { Neuron = new NeuronModel(ResetMode.Soft, InitialMembrane.HalfThreshold), ReadoutDelay = delay };
        ImageDataset data = TestNets.Binary(12, 1, 6, 6, 3, seed: 5);
        const int steps = 12, seed = 11;
        SimulationResult result = SnnSimulator.Run(net, data, new SimulationOptions(steps, encoding, seed, BatchSize: 5, Engine: engine));
        SnnReference.DatasetTrace expected = SnnReference.Simulate(net, data, steps, encoding, seed);
        Assert.Equal(expected.CorrectAtStep, result.CorrectAtStep);
        // The delay changes the predictions, not the hidden layers: their spikes are those of the undelayed network.
        SimulationResult undelayed = SnnSimulator.Run(net with { ReadoutDelay = 0 }, data, new SimulationOptions(steps, encoding, seed, BatchSize: 5, Engine: engine));
        Assert.NotEqual(undelayed.CorrectAtStep, result.CorrectAtStep);
        for (int l = 0; l < result.Layers.Count; l++) Assert.Equal(undelayed.Layers[l].SpikesAtStep, result.Layers[l].SpikesAtStep);
        // Up to the delay nothing is integrated: every image is predicted as class 0.
        int zeros = Enumerable.Range(0, data.Count).Count(i => data.Label(i) == 0);
        for (int t = 0; t < delay; t++) Assert.Equal(zeros, result.CorrectAtStep[t]);
    }

    [Fact]
    public void The_delay_round_trips_through_the_file_and_is_written_only_when_set()
    {
        SpikingNetwork net = TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 3), [1f, 0.75f, 0.5f], [1f, 0.5f, 0.75f, 1f], [1f], [1f, 0.75f, 0.5f]);
        string plain = Path.Combine(_temp.Path, "plain.snn"), delayed = Path.Combine(_temp.Path, "delayed.snn");
        SnnFile.Save(plain, net);
        SnnFile.Save(delayed, net with { ReadoutDelay = 3 });
        Assert.Equal(0, SnnFile.Load(plain).ReadoutDelay);
        Assert.Equal(3, SnnFile.Load(delayed).ReadoutDelay);
        Assert.False(Contains(File.ReadAllBytes(plain), "readoutDelay"));
        Assert.True(Contains(File.ReadAllBytes(delayed), "\"readoutDelay\":3"));
    }

    private static bool Contains(byte[] bytes, string text) => System.Text.Encoding.UTF8.GetString(bytes).Contains(text, StringComparison.Ordinal);

    [Fact]
    public void A_negative_delay_or_one_with_spike_count_readout_is_refused_and_NIR_cannot_express_it()
    {
        SpikingNetwork net = TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 3), [1f, 0.75f, 0.5f], [1f, 0.5f, 0.75f, 1f], [1f], [1f, 0.75f, 0.5f]);
        var e = Assert.Throws<ConversionException>(() => (net with { ReadoutDelay = -1 }).Validate("n.snn", true));
        Assert.Contains("readout delay is -1", e.Message);
        e = Assert.Throws<ConversionException>(() => (net with { ReadoutDelay = 2, Readout = Readout.SpikeCount }).Validate("n.snn", true));
        Assert.Contains("needs the membrane readout", e.Message);
        e = Assert.Throws<ConversionException>(() => NirExporter.ToGraph(net with { ReadoutDelay = 2 }));
        Assert.Contains("readout delay 2", e.Message);
        _ = NirExporter.ToGraph(net);
    }
}
