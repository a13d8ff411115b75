using SnnConvert.Data;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

public class SnnSimulatorTests
{
    // ---- A network small enough to simulate by hand -------------------------------------------------------------
    // Input 1x1x2 (pixels 0 or 1), flatten, hidden linear 2->2 with W1 = [[1/2, 1/4], [1/4, 1/4]], b1 = [1/4, 0] and
    // thresholds [1, 1/2], output linear 2->2 with W2 = identity, b2 = [0, 1/8].
    // Hidden currents I = W1 x + b1 and rates I / theta:
    //   A x = (1, 0): I = (3/4, 1/4) -> rates (3/4, 1/2)     label 0
    //   B x = (0, 1): I = (1/2, 1/4) -> rates (1/2, 1/2)     label 1
    //   C x = (1, 1): I = (1, 1/2)   -> rates (1, 1)         label 0
    //   D x = (0, 0): I = (1/4, 0)   -> rates (1/4, 0)       label 0
    // With soft reset and v(0) = 0, n_j(t) = floor(t I_j / theta_j), and the output membrane is V(t) = (n_0(t), n_1(t) + t/8).
    private static readonly byte[][] HandImages = [[255, 0], [0, 255], [255, 255], [0, 0]];
    private static readonly int[] HandLabels = [0, 1, 0, 0];
    private static readonly double[][] HandCurrents = [[0.75, 0.25], [0.5, 0.25], [1, 0.5], [0.25, 0]];
    private static readonly double[] HandThresholds = [1, 0.5];

    private static SpikingNetwork HandNetwork(NeuronModel? neuron = null) => TestNets.Network([1, 1, 2], 2,
        new SnnFlatten(),
        new SnnLinear(2, 2) { Weight = [0.5f, 0.25f, 0.25f, 0.25f], Bias = [0.25f, 0f], Thresholds = [1f, 0.5f], Spiking = true },
        new SnnLinear(2, 2) { Weight = [1f, 0f, 0f, 1f], Bias = [0f, 0.125f], Spiking = false }) with { Neuron = neuron ?? new NeuronModel() };

    private static ImageDataset HandData() => TestNets.Dataset(1, 1, 2, 2, HandImages, HandLabels);

    [Fact]
    public void Hand_network_accuracy_spikes_synops_and_energy_match_the_hand_computation()
    {
        // Predictions per step (t = 1..8), from V(t) above:
        //   A: V = (floor(3t/4), floor(t/2) + t/8): (0, .125) (1, 1.25) (2, 1.375) (3, 2.5) (3, 2.625) (4, 3.75) (5, 3.875) (6, 5)
        //      -> 1 1 0 0 0 0 0 0
        //   B: V = (floor(t/2), floor(t/2) + t/8) -> always 1;  C: V = (t, 9t/8) -> always 1
        //   D: V = (floor(t/4), t/8): (0, .125) (0, .25) (0, .375) (1, .5) (1, .625) (1, .75) (1, .875) (2, 1) -> 1 1 1 0 0 0 0 0
        // Correct (labels 0, 1, 0, 0): t1: B; t2: B; t3: A, B; t4..8: A, B, D.
        long[] correct = [1, 1, 2, 3, 3, 3, 3, 3];
        // Hidden spikes per step: A unit 0 floor(3t/4): 0 1 1 1 0 1 1 1, unit 1 floor(t/2): 0 1 0 1 0 1 0 1; B both 0 1 0 1 ...;
        // C both every step; D unit 0 at t = 4, 8.
        long[] spikes = [2, 6, 3, 7, 2, 6, 3, 7];
        SimulationResult result = SnnSimulator.Run(HandNetwork(), HandData(), new SimulationOptions(8), cnnPredictions: [0, 1, 1, 0], cnnMacs: 1000);

        Assert.Equal(correct, result.CorrectAtStep);
        Assert.Equal([25.0, 25, 50, 75, 75, 75, 75, 75], Enumerable.Range(1, 8).Select(result.Accuracy));
        // Agreement with CNN predictions (0, 1, 1, 0): t1, t2: B, C; t3: A, B, C; t4..: all four.
        Assert.Equal([2L, 2, 3, 4, 4, 4, 4, 4], result.AgreementAtStep!);
        LayerActivity hidden = Assert.Single(result.Layers);
        Assert.Equal(1, hidden.Stage);
        Assert.Equal(2, hidden.Neurons);
        Assert.Equal(spikes, hidden.SpikesAtStep);
        // Each hidden spike drives the 2 output synapses.
        Assert.Equal(spikes.Select(s => 2.0 * s), hidden.SynOpsAtStep);
        Assert.All(result.InputSpikesAtStep, s => Assert.Equal(0, s));

        // Over T = 8: 36 spikes / 4 images = 9 per image, 18 SynOps per image, firing rate 9 / (2 x 8);
        // first-layer MACs 2 x 2 = 4 per step under direct input -> 32.
        Assert.Equal(9.0, result.SpikesPerImage(8), 12);
        Assert.Equal(18.0, result.SynOpsPerImage(8), 12);
        Assert.Equal(9.0 / 16, hidden.FiringRate(8, 4), 12);
        Assert.Equal(4, result.FirstLayerMacs);
        Assert.Equal(32.0, result.MacsPerImage(8), 12);
        Assert.Equal((18 * 0.9 + 32 * 4.6) * 1e-6, result.EnergyMicrojoules(8), 15);
        // T = 4: 18 spikes -> 36 SynOps / 4 = 9 per image; 16 MACs.
        Assert.Equal((9 * 0.9 + 16 * 4.6) * 1e-6, result.EnergyMicrojoules(4), 15);
        Assert.Equal(1000 * 4.6e-6, result.CnnEnergyMicrojoules, 15);

        var report = SimulationReport.From(result, [1, 4, 8], cnnAccuracy: 100);
        Assert.Equal([75.0, 25, 25], report.Rows.Select(r => r.ConversionLoss!.Value));
        Assert.Equal([50.0, 100, 100], report.Rows.Select(r => r.Agreement!.Value));
        Assert.Equal((18 * 0.9 + 32 * 4.6) * 1e-6, report.Rows[2].EnergyMicrojoules, 15);
        LayerRow row = Assert.Single(report.Layers);
        Assert.Equal(9.0, row.SpikesPerImage, 12);
        Assert.Equal(18.0, row.SynOpsPerImage, 12);
    }

    public static TheoryData<ResetMode, InitialMembrane> NeuronModels() => new()
    {
        { ResetMode.Soft, InitialMembrane.Zero },
        { ResetMode.Soft, InitialMembrane.HalfThreshold },
        { ResetMode.Hard, InitialMembrane.Zero },
    };

    [Theory]
    [MemberData(nameof(NeuronModels))]
    public void Hand_network_follows_the_closed_form_spike_counts_of_each_neuron_model(ResetMode reset, InitialMembrane initial)
    {
        // Closed forms of the hidden spike counts (IfNeuronTests checks them on single neurons):
        //   soft, v(0) = 0: floor(t I / theta); soft, v(0) = theta / 2: floor(t I / theta + 1/2); hard: floor(t / ceil(theta / I)).
        const int steps = 24;
        long Count(double current, double theta, int t) =>
            current <= 0 ? (initial == InitialMembrane.HalfThreshold ? (long)Math.Floor(0.5 + t * current / theta) : 0)
            : reset == ResetMode.Hard ? t / (long)Math.Ceiling(theta / current)
            : (long)Math.Floor(t * current / theta + (initial == InitialMembrane.HalfThreshold ? 0.5 : 0));
        var correct = new long[steps];
        var spikes = new long[steps];
        for (int image = 0; image < HandImages.Length; image++)
            for (int t = 1; t <= steps; t++)
            {
                long n0 = Count(HandCurrents[image][0], HandThresholds[0], t), n1 = Count(HandCurrents[image][1], HandThresholds[1], t);
                double v0 = n0, v1 = n1 + t / 8.0;
                Assert.NotEqual(v0, v1);   // no ties: the expected prediction is unambiguous
                if ((v1 > v0 ? 1 : 0) == HandLabels[image]) correct[t - 1]++;
                spikes[t - 1] += n0 - Count(HandCurrents[image][0], HandThresholds[0], t - 1) + n1 - Count(HandCurrents[image][1], HandThresholds[1], t - 1);
            }
        var result = SnnSimulator.Run(HandNetwork(new NeuronModel(reset, initial)), HandData(), new SimulationOptions(steps));
        Assert.Equal(correct, result.CorrectAtStep);
        Assert.Equal(spikes, result.Layers[0].SpikesAtStep);
    }

    // ---- A dyadic conv network against the double-precision reference ------------------------------------------

    private static SpikingNetwork DyadicNetwork(NeuronModel neuron, Readout readout) =>
        TestNets.WithThresholds(TestNets.DyadicConvTemplate(seed: 3), [1f, 0.75f, 0.5f], [1f, 0.5f, 0.75f, 1f], [1f], [1f, 0.75f, 0.5f])
            with { Neuron = neuron, Readout = readout };

    public static TheoryData<ResetMode, InitialMembrane, InputEncoding, Readout, SynapseEngine> Configurations()
    {
        var data = new TheoryData<ResetMode, InitialMembrane, InputEncoding, Readout, SynapseEngine>();
        foreach (SynapseEngine engine in Enum.GetValues<SynapseEngine>())
        {
            data.Add(ResetMode.Soft, InitialMembrane.Zero, InputEncoding.Direct, Readout.Membrane, engine);
            data.Add(ResetMode.Soft, InitialMembrane.HalfThreshold, InputEncoding.Direct, Readout.Membrane, engine);
            data.Add(ResetMode.Hard, InitialMembrane.Zero, InputEncoding.Direct, Readout.SpikeCount, engine);
            data.Add(ResetMode.Soft, InitialMembrane.Zero, InputEncoding.Rate, Readout.Membrane, engine);
            data.Add(ResetMode.Soft, InitialMembrane.HalfThreshold, InputEncoding.Rate, Readout.SpikeCount, engine);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Conv_network_matches_the_reference_simulation_step_by_step(ResetMode reset, InitialMembrane initial, InputEncoding encoding, Readout readout,
        SynapseEngine engine)
    {
        SpikingNetwork net = DyadicNetwork(new NeuronModel(reset, initial), readout);
        ImageDataset data = TestNets.Binary(12, 1, 6, 6, 3, seed: 5);
        const int steps = 20, seed = 11;
        SimulationResult result = SnnSimulator.Run(net, data, new SimulationOptions(steps, encoding, seed, BatchSize: 5, Engine: engine));
        SnnReference.DatasetTrace expected = SnnReference.Simulate(net, data, steps, encoding, seed);

        Assert.Equal(expected.CorrectAtStep, result.CorrectAtStep);
        Assert.Equal([0, 2, 4], result.Layers.Select(l => l.Stage));
        foreach (LayerActivity layer in result.Layers)
        {
            Assert.True(layer.SpikesAtStep.Sum() > 0, $"stage {layer.Stage} never fired: the comparison would be vacuous");
            Assert.Equal(expected.SpikesAtStep[layer.Stage], layer.SpikesAtStep);
            Assert.Equal(expected.SynOpsAtStep[layer.Stage], layer.SynOpsAtStep);
        }
        Assert.Equal(expected.InputSpikesAtStep, result.InputSpikesAtStep);
        Assert.Equal(expected.InputSynOpsAtStep, result.InputSynOpsAtStep);
        if (encoding == InputEncoding.Rate)
        {
            Assert.True(result.InputSpikesAtStep.Sum() > 0);
            Assert.Equal(0, result.MacsPerImage(steps));
        }
        else
        {
            Assert.Equal(3L * 6 * 6 * 9, result.FirstLayerMacs);   // conv 1->3 3x3 pad 1 on 6x6: 3 x 36 outputs x 9 taps
            Assert.Equal(3 * 36 * 9 * steps, result.MacsPerImage(steps));
        }
        double synOps = (expected.SynOpsAtStep.Sum(s => s.Sum()) + expected.InputSynOpsAtStep.Sum()) / data.Count;
        Assert.Equal(synOps, result.SynOpsPerImage(steps), 9);
        Assert.Equal((synOps * 0.9 + result.MacsPerImage(steps) * 4.6) * 1e-6, result.EnergyMicrojoules(steps), 12);
    }

    // ---- Determinism, batching, encoding ----------------------------------------------------------------------

    /// <summary>A network with non-dyadic weights and grey images, where float rounding could differ between code paths.</summary>
    private static (SpikingNetwork Net, ImageDataset Data) RoughNetwork()
    {
        var rng = new Random(21);
        float[] R(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.4) * scale)).ToArray();
        var net = TestNets.Network([1, 8, 8], 4,
            new SnnConv2d(1, 4, 3, 1, 1) { Weight = R(36, 0.8), Bias = R(4, 0.2), Thresholds = [0.9f, 0.7f, 1.1f, 0.6f], Spiking = true },
            new SnnAvgPool2d(2, 2),
            new SnnConv2d(4, 6, 3, 1, 0) { Weight = R(216, 0.6), Bias = R(6, 0.1), Thresholds = [0.8f], Spiking = true },
            new SnnFlatten(),
            new SnnLinear(24, 10) { Weight = R(240, 0.6), Bias = R(10, 0.1), Thresholds = [0.5f], Spiking = true },
            new SnnLinear(10, 4) { Weight = R(40, 1.0), Thresholds = [0.7f], Spiking = false });
        return (net, TestNets.Grey(23, 1, 8, 8, 4, seed: 22));
    }

    private static void AssertSameResult(SimulationResult a, SimulationResult b)
    {
        Assert.Equal(a.CorrectAtStep, b.CorrectAtStep);
        Assert.Equal(a.Layers.Count, b.Layers.Count);
        for (int i = 0; i < a.Layers.Count; i++)
        {
            Assert.Equal(a.Layers[i].SpikesAtStep, b.Layers[i].SpikesAtStep);
            Assert.Equal(a.Layers[i].SynOpsAtStep, b.Layers[i].SynOpsAtStep);
        }
        Assert.Equal(a.InputSpikesAtStep, b.InputSpikesAtStep);
        Assert.Equal(a.InputSynOpsAtStep, b.InputSynOpsAtStep);
    }

    [Theory]
    [InlineData(InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto)]
    [InlineData(InputEncoding.Rate, Readout.Membrane, SynapseEngine.Auto)]
    [InlineData(InputEncoding.Direct, Readout.SpikeCount, SynapseEngine.Auto)]
    [InlineData(InputEncoding.Direct, Readout.Membrane, SynapseEngine.Dense)]
    [InlineData(InputEncoding.Rate, Readout.Membrane, SynapseEngine.EventDriven)]
    public void Batch_size_does_not_change_the_results(InputEncoding encoding, Readout readout, SynapseEngine engine)
    {
        var (net, data) = RoughNetwork();
        SimulationResult Run(int batch) => SnnSimulator.Run(net, data, new SimulationOptions(24, encoding, Seed: 4, BatchSize: batch, Readout: readout, Engine: engine));
        SimulationResult one = Run(1);
        Assert.All(one.Layers, l => Assert.True(l.SpikesAtStep.Sum() > 0));
        AssertSameResult(one, Run(3));
        AssertSameResult(one, Run(100));
        AssertSameResult(one, Run(100));   // and the same run twice
    }

    [Fact]
    public void Rate_encoding_is_reproducible_per_seed_and_differs_between_seeds()
    {
        var (net, data) = RoughNetwork();
        SimulationResult Run(int seed) => SnnSimulator.Run(net, data, new SimulationOptions(16, InputEncoding.Rate, seed, BatchSize: 7));
        SimulationResult a = Run(1), b = Run(1), c = Run(2);
        AssertSameResult(a, b);
        Assert.NotEqual(a.InputSpikesAtStep, c.InputSpikesAtStep);
        Assert.NotEqual(a.Layers[0].SpikesAtStep, c.Layers[0].SpikesAtStep);
        // About half the grey pixels' mean intensity fire per step: 23 images x 64 pixels x mean pixel.
        double meanPixel = Enumerable.Range(0, data.Count).SelectMany(i => data.Pixels(i).ToArray()).Average(p => p / 255.0);
        double perStep = a.InputSpikesAtStep.Average();
        Assert.InRange(perStep, 0.9 * meanPixel * 23 * 64, 1.1 * meanPixel * 23 * 64);
    }

    [Fact]
    public void Spike_count_readout_picks_the_most_spikes_and_breaks_ties_by_membrane()
    {
        // Output layer only: flatten 1x1x2 -> linear 2->3 with thresholds 1, soft reset, no bias.
        //   P x = (1, 0): I = (1/4, 3/8, 1): t = 1: counts (0, 0, 1), membranes (1/4, 3/8, 0) -> class 2 (more spikes beat a larger membrane)
        //   Q x = (0, 1): I = (1/2, 5/8, 7/16): t = 1: counts (0, 0, 0), v (1/2, 5/8, 7/16) -> 1;
        //      t = 2: counts (1, 1, 0), v (0, 1/4, 7/8) -> 1 (the tie between 0 and 1 goes to the larger membrane, although
        //      class 2 has the largest membrane and class 0 the smaller index)
        //      t = 3: counts (1, 1, 1), v (1/2, 7/8, 5/16) -> 1; t = 4: (2, 2, 1), v (0, 1/2, 3/4) -> 1; t = 5: (2, 3, 2) -> 1.
        var net = TestNets.Network([1, 1, 2], 3,
            new SnnFlatten(),
            new SnnLinear(2, 3) { Weight = [0.25f, 0.5f, 0.375f, 0.625f, 1f, 0.4375f], Thresholds = [1f], Spiking = false }) with { Readout = Readout.SpikeCount };
        ImageDataset data = TestNets.Dataset(1, 1, 2, 3, [[255, 0], [0, 255]], [2, 1]);
        var runner = new SnnBlockRunner(net, 2, 2, InputEncoding.Direct, Readout.SpikeCount, SynapseEngine.Auto);
        runner.Start(data, 0, 2, seed: 1);
        foreach (int block in new[] { 1, 2, 2 })   // five steps in blocks of 1, 2 and 2
        {
            runner.Run(block);
            for (int t = 0; t < block; t++) Assert.Equal([2, 1], new[] { runner.Prediction(t, 0), runner.Prediction(t, 1) });
        }
        Assert.Equal(5, runner.Time);
        // Through the simulator: both images correct at every step.
        SimulationResult result = SnnSimulator.Run(net, data, new SimulationOptions(5));
        Assert.All(result.CorrectAtStep, c => Assert.Equal(2, c));
        Assert.Empty(result.Layers);   // the output layer is not a hidden spiking layer
    }

    [Fact]
    public void Spike_count_readout_against_the_reference_on_the_tie_cases()
    {
        var net = TestNets.Network([1, 1, 2], 3,
            new SnnFlatten(),
            new SnnLinear(2, 3) { Weight = [0.25f, 0.5f, 0.375f, 0.625f, 1f, 0.4375f], Thresholds = [1f], Spiking = false }) with { Readout = Readout.SpikeCount };
        ImageDataset data = TestNets.Dataset(1, 1, 2, 3, [[255, 0], [0, 255], [255, 255]], [2, 1, 0]);
        var expected = SnnReference.Simulate(net, data, 16, InputEncoding.Direct, 1);
        Assert.Equal(2, expected.Predictions[0][0]);
        Assert.Equal(1, expected.Predictions[1][1]);
        Assert.Equal(expected.CorrectAtStep, SnnSimulator.Run(net, data, new SimulationOptions(16, BatchSize: 2)).CorrectAtStep);
    }

    [Fact]
    public void A_pooling_stride_of_zero_is_refused_before_simulating()
    {
        // The shape of AvgPool2dSpec(2, 0) is that of stride 2, but the runner would average the same window everywhere.
        var net = TestNets.Network([1, 4, 4], 2,
            new SnnConv2d(1, 1, 1, 1, 0) { Weight = [1f], Thresholds = [1f], Spiking = true },
            new SnnAvgPool2d(2, 0),
            new SnnFlatten(),
            new SnnLinear(4, 2) { Weight = new float[8], Spiking = false });
        var e = Assert.Throws<SnnConvert.Errors.ConversionException>(() => SnnSimulator.Run(net, TestNets.Grey(2, 1, 4, 4, 2, seed: 1), new SimulationOptions(2)));
        Assert.Contains("layer 1", e.Message);
    }
}
