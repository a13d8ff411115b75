using System.Text.Json.Nodes;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Kernels;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// Conversion of networks with QCFS activations (Bu et al. 2022): the exact correspondence at T = L for a constant
/// current, bit for bit on a one-layer network, convergence on a deeper one, and how qcfs composes with the rest.
/// </summary>
public sealed class QcfsConversionTests
{
    // The exact case, from the definition: v(0) = theta/2, T = L steps of a constant current z, soft reset. The count
    // is computed here in double from the formula, the activation by QcfsLayer; z runs over multiples of theta/64 from
    // -theta/2 to 3 theta/2, so every value is exact in float and the ties (z T / theta + 1/2 an integer) are hit.
    [Theory]
    [InlineData(1f, 1)]
    [InlineData(0.5f, 2)]
    [InlineData(2f, 4)]
    [InlineData(0.25f, 8)]
    [InlineData(4f, 16)]
    public void A_soft_reset_neuron_started_at_half_threshold_fires_the_QCFS_count_after_L_steps(float theta, int levels)
    {
        float[] z = Enumerable.Range(-32, 129).Select(k => k * theta / 64f).ToArray();
        var v = new float[z.Length];
        var s = new float[z.Length];
        var counts = new float[z.Length];
        IfNeuron.Initialise(v, [theta], z.Length, halfThreshold: true);
        for (int t = 0; t < levels; t++)
        {
            IfNeuron.Step(z, v, [theta], s, z.Length, softReset: true);
            for (int i = 0; i < z.Length; i++) counts[i] += s[i];
        }
        var qcfs = new float[z.Length];
        QcfsLayer.Forward(z, theta, levels, qcfs);
        for (int i = 0; i < z.Length; i++)
        {
            double expected = Math.Clamp(Math.Floor(z[i] * (double)levels / theta + 0.5), 0, levels);
            Assert.Equal(expected, counts[i]);
            Assert.Equal(qcfs[i], counts[i] / levels * theta);
        }
        Assert.Contains(counts, c => c == 0);
        Assert.Contains(counts, c => c == levels);
        if (levels > 1) Assert.Contains(counts, c => c > 0 && c < levels);
    }

    // Conv 1->3 3x3 (pad 1, bias) + QCFS + avgpool 2 + flatten + dense 12->4 on binary 4x4 images, weights multiples of
    // 1/16, thresholds powers of two: every value the CNN and the SNN compute is exact in float, so after T = L steps the
    // output potential over T must equal the QCFS network's logits to the last bit, per layer and per channel.
    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 4)]
    [InlineData(true, 8)]
    public void A_one_layer_QCFS_network_and_its_SNN_agree_bit_for_bit_at_T_equal_to_L(bool perChannel, int levels)
    {
        SavedModel model = OneLayerModel(perChannel, levels, seed: 3);
        ImageDataset data = TestNets.Binary(20, 1, 4, 4, 4, seed: 4);
        SpikingNetwork snn = Convert(model, data);
        Assert.Equal(InitialMembrane.HalfThreshold, snn.Neuron.Initial);
        Assert.Equal(((QcfsLayer)model.Network.Layers[1]).Threshold.Value.Data, ((SynapticLayer)snn.Layers[0]).Thresholds);

        float[] cnn = Logits(model.Network, data);
        float[] potential = OutputPotential(snn, data, levels);
        Assert.Equal(cnn.Length, potential.Length);
        for (int k = 0; k < cnn.Length; k++) Assert.Equal(cnn[k], potential[k] / levels);
        // The plain double re-implementation of the SNN agrees too, and the QCFS layer is not a ReLU on these inputs.
        for (int i = 0; i < data.Count; i++)
        {
            var run = new SnnReference(snn);
            run.Start(SnnReference.Image(data, i));
            for (int t = 0; t < levels; t++) run.Step();
            double[] v = run.Membrane(snn.Layers.Count - 1);
            for (int c = 0; c < v.Length; c++) Assert.Equal(cnn[i * v.Length + c], v[c] / levels);
        }
        Assert.NotEqual(cnn, Logits(WithRelu(model).Network, data));
    }

    // Conv + QCFS, avgpool, conv + QCFS, flatten, dense + QCFS, dense output, random weights, lambda per layer or per
    // channel set from the CNN's pre-activations. Deeper layers receive spikes that vary in time, so T = L is not exact.
    // As T grows the rates tend to clip(z / lambda, 0, 1): the SNN after T steps approaches the same network with T
    // levels (for T = L the trained one) and, in the limit, the clipped-ReLU network (QCFS with L -> infinity). It does
    // not converge to the L-level CNN itself: what stays at large T is that CNN's own quantisation (measured here: on
    // this random network the mean logit error against the L-level CNN is about the same at T = 16 L as at T = L).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_deeper_QCFS_network_is_approached_by_its_SNN_as_T_grows(bool perChannel)
    {
        const int L = 4;
        ImageDataset data = TestNets.Grey(60, 1, 8, 8, 5, seed: 11);
        SavedModel model = DeepModel(perChannel, L, data, seed: 12);
        SpikingNetwork snn = Convert(model, data);
        float[] cnn = Logits(model.Network, data), q16 = Logits(WithLevels(model, 16 * L).Network, data);
        float[] clip = Logits(WithLevels(model, 1 << 20).Network, data);
        float[] atL = OutputPotential(snn, data, L), at16L = OutputPotential(snn, data, 16 * L);
        static double Error(float[] potential, int t, float[] reference) => potential.Select((v, k) => Math.Abs(v / t - reference[k])).Average();
        double errorL = Error(atL, L, cnn), error16L = Error(at16L, 16 * L, q16), scale = cnn.Average(x => Math.Abs(x));
        Assert.True(error16L < errorL / 4, $"error {error16L:G4} at T = {16 * L} against {16 * L} levels, {errorL:G4} at T = {L} against {L}");
        double limit = Error(OutputPotential(snn, data, 256 * L), 256 * L, clip);
        Assert.True(limit < 0.01 * scale, $"error {limit:G4} at T = {256 * L} against the clipped ReLU network, logits of mean size {scale:G4}");
        Assert.True(Agreement(at16L, q16) >= 0.9 * data.Count);
        Assert.True(errorL < 0.25 * scale, $"error {errorL:G4} at T = {L}, logits of mean size {scale:G4}");
    }

    private static int Agreement(float[] a, float[] b) => ArgMax(a, 5).Zip(ArgMax(b, 5)).Count(p => p.First == p.Second);

    [Fact]
    public void Post_calibration_composes_with_qcfs_and_aims_at_the_QCFS_activation()
    {
        const int L = 4;
        SavedModel model = OneLayerModel(perChannel: true, L, seed: 3);
        ImageDataset data = TestNets.Binary(20, 1, 4, 4, 4, seed: 4);
        SpikingNetwork plain = Convert(model, data);
        SpikingNetwork calibrated = Convert(model, data, PostCalibration.Bias | PostCalibration.Membrane, targetSteps: L);
        // At T = L the hidden layer already equals its QCFS activation on every image: nothing to correct there.
        PostCalibrationLayer first = calibrated.Conversion.PostCalibration!.Layers[0];
        Assert.Equal(0, first.MeanError, 12);
        var (a, b) = ((SynapticLayer)plain.Layers[0], (SynapticLayer)calibrated.Layers[0]);
        Assert.Equal(a.Thresholds, b.Thresholds);
        for (int c = 0; c < a.OutputChannels; c++) Assert.Equal(a.Bias![c], b.Bias![c], 6);
        Assert.Equal(a.Thresholds.Select(t => 0.5 * t), b.InitialPotential!.Select(v => (double)v));
        Assert.Equal("qcfs", calibrated.Conversion.Method);

        // With a ReLU target the first layer would show the clipping and rounding of the QCFS as an error.
        var relu = PostCalibrator.AnalogMeans(plain, data, 10);
        var qcfs = PostCalibrator.AnalogMeans(plain, data, 10, Template(model).Qcfs);
        Assert.NotEqual(relu[0], qcfs[0]);
    }

    [Fact]
    public void The_qcfs_method_records_its_levels_and_needs_no_calibration_image()
    {
        SavedModel model = OneLayerModel(perChannel: false, 8, seed: 5);
        ImageDataset data = TestNets.Binary(10, 1, 4, 4, 4, seed: 6);
        SpikingNetwork snn = Convert(model, data);
        ConversionRecord record = snn.Conversion;
        Assert.Equal([8], record.QcfsLevels!);
        Assert.Equal(0, record.CalibrationSamples);
        Assert.Equal("layer", record.Granularity);
        Assert.Equal([8], ConversionRecord.FromJson(record.ToJson()).QcfsLevels!);
        Assert.Equal(0, record.LayerRecords[0].DeadChannels);
        // The method reads no image: an empty image set balances the same network.
        var empty = new CalibrationSettings(data.Subset([]), 8) { Qcfs = Template(model).Qcfs };
        SpikingNetwork alone = new QcfsThresholds().Balance(Template(model).Network, empty);
        Assert.Equal(((SynapticLayer)snn.Layers[^1]).Weight, ((SynapticLayer)alone.Layers[^1]).Weight);
    }

    [Fact]
    public void The_synapses_leaving_a_QCFS_layer_are_scaled_by_its_thresholds()
    {
        SavedModel model = OneLayerModel(perChannel: true, 4, seed: 7);
        ImageDataset data = TestNets.Binary(10, 1, 4, 4, 4, seed: 8);
        SpikingNetwork snn = Convert(model, data);
        float[] lambda = ((QcfsLayer)model.Network.Layers[1]).Threshold.Value.Data;
        float[] w = ((LinearLayer)model.Network.Layers[4]).Weight.Value.Data, scaled = ((SynapticLayer)snn.Layers[^1]).Weight;
        // Dense 12 -> 4 after flatten of (3, 2, 2): input feature f belongs to channel f / 4.
        for (int o = 0; o < 4; o++)
            for (int f = 0; f < 12; f++) Assert.Equal(w[o * 12 + f] * lambda[f / 4], scaled[o * 12 + f]);
    }

    [Fact]
    public void Without_a_method_a_QCFS_model_converts_with_qcfs_and_other_methods_treat_QCFS_as_ReLU()
    {
        SavedModel model = OneLayerModel(perChannel: false, 4, seed: 9);
        Assert.Equal("qcfs", ThresholdMethods.DefaultFor(model.Network));
        Assert.Equal("max-current", ThresholdMethods.DefaultFor(WithRelu(model).Network));
        Assert.IsType<QcfsThresholds>(ThresholdMethods.Create("qcfs"));
        Assert.DoesNotContain("qcfs", ThresholdMethods.Names);
        Assert.Contains("qcfs", Assert.Throws<InvalidSettingException>(() => ThresholdMethods.Create("qfcs")).Message);

        ImageDataset data = TestNets.Binary(10, 1, 4, 4, 4, seed: 10);
        foreach (string name in ThresholdMethods.Names)
        {
            var options = new ConversionOptions { Method = ThresholdMethods.Create(name), CalibrationSteps = 8, BatchSize = 5 };
            SpikingNetwork onQcfs = SnnConverter.Convert(model, options, data).Network;
            SpikingNetwork onRelu = SnnConverter.Convert(WithRelu(model), options, data).Network;
            Assert.Equal(name, onQcfs.Conversion.Method);
            Assert.Equal(((SynapticLayer)onRelu.Layers[0]).Thresholds, ((SynapticLayer)onQcfs.Layers[0]).Thresholds);
            Assert.Equal(InitialMembrane.Zero, onQcfs.Neuron.Initial);
        }
    }

    [Fact]
    public void Qcfs_refuses_what_it_cannot_convert()
    {
        ImageDataset data = TestNets.Binary(10, 1, 4, 4, 4, seed: 10);
        SavedModel qcfs = OneLayerModel(perChannel: false, 4, seed: 9);
        var method = new ConversionOptions { Method = new QcfsThresholds() };
        Assert.Contains("no QCFS activation", Assert.Throws<ConversionException>(() => SnnConverter.Convert(WithRelu(qcfs), method, data)).Message);
        Assert.Contains("soft reset", Assert.Throws<ConversionException>(() =>
            SnnConverter.Convert(qcfs, method with { Neuron = new NeuronModel(ResetMode.Hard) }, data)).Message);
        Assert.Contains("membrane readout", Assert.Throws<ConversionException>(() =>
            SnnConverter.Convert(qcfs, method with { Readout = Readout.SpikeCount }, data)).Message);
        SavedModel mixed = SnnTemplateBuilderTests.Model(
            [new Conv2dSpec(1, 3, 3, Padding: 1), new QcfsSpec(4), new FlattenSpec(), new LinearSpec(48, 6), new ReluSpec(), new LinearSpec(6, 4)], [1, 4, 4]);
        Assert.Contains("ReLU", Assert.Throws<ConversionException>(() => SnnConverter.Convert(mixed, method, data)).Message);
        ((QcfsLayer)qcfs.Network.Layers[1]).Threshold.Value.Data[0] = 0f;
        Assert.Contains("positive", Assert.Throws<ConversionException>(() => SnnConverter.Convert(qcfs, method, data)).Message);
        // A target latency without post-calibration changes nothing for qcfs: a warning says so.
        SavedModel good = OneLayerModel(perChannel: false, 4, seed: 9);
        Assert.Contains(SnnConverter.Convert(good, method with { TargetSteps = 4 }, data).Warnings, w => w.Contains("does nothing"));
        Assert.Empty(SnnConverter.Convert(good, method with { TargetSteps = 4, PostCalibration = PostCalibration.Bias }, data).Warnings);
    }

    // ---- helpers ----

    internal static SavedModel OneLayerModel(bool perChannel, int levels, int seed)
    {
        var network = new Network("qcfs-one", [
            new Conv2dSpec(1, 3, 3, Padding: 1, Bias: true), new QcfsSpec(levels, perChannel ? 3 : 1), new AvgPool2dSpec(2), new FlattenSpec(),
            new LinearSpec(12, 4, Bias: true)], [1, 4, 4], new Random(seed));
        var rng = new Random(seed);
        Fill(((Conv2dLayer)network.Layers[0]).Weight.Value.Data, rng);
        Fill(((Conv2dLayer)network.Layers[0]).Bias!.Value.Data, rng);
        Fill(((LinearLayer)network.Layers[4]).Weight.Value.Data, rng);
        Fill(((LinearLayer)network.Layers[4]).Bias!.Value.Data, rng);
        float[] lambda = ((QcfsLayer)network.Layers[1]).Threshold.Value.Data;
        float[] powers = [0.5f, 1f, 2f];
        for (int c = 0; c < lambda.Length; c++) lambda[c] = powers[(c + seed) % powers.Length];
        return new SavedModel(network, "test/binary", TestNets.Classes(4), new JsonObject());
    }

    // Multiples of 1/16 in [-1, 1].
    private static void Fill(float[] values, Random rng)
    {
        float[] dyadic = TestNets.Dyadic(rng, values.Length);
        dyadic.CopyTo(values, 0);
    }

    private static SavedModel DeepModel(bool perChannel, int levels, ImageDataset data, int seed)
    {
        LayerSpec[] specs =
        [
            new Conv2dSpec(1, 4, 3, Padding: 1, Bias: true), new QcfsSpec(levels, perChannel ? 4 : 1), new AvgPool2dSpec(2),
            new Conv2dSpec(4, 6, 3, Padding: 1, Bias: true), new QcfsSpec(levels, perChannel ? 6 : 1), new FlattenSpec(),
            new LinearSpec(96, 16, Bias: true), new QcfsSpec(levels, perChannel ? 16 : 1), new LinearSpec(16, 5, Bias: true),
        ];
        var network = new Network("qcfs-deep", specs, [1, 8, 8], new Random(seed));
        foreach (Layer layer in network.Layers)
            if (layer is Conv2dLayer { Bias: { } cb }) cb.Value.Span.Fill(0.05f);
            else if (layer is LinearLayer { Bias: { } lb }) lb.Value.Span.Fill(0.05f);
        // lambda from the pre-activations, layer after layer: the 95th percentile of the positive values per group.
        var (images, _) = BatchLoader.LoadRange(data, 0, data.Count);
        Tensor x = images;
        foreach (Layer layer in network.Layers)
        {
            if (layer is QcfsLayer q) QcfsRealModelTests.SetThresholds(q, x, 0.95);
            x = layer.Forward(x, ForwardContext.Eval);
        }
        return new SavedModel(network, "test/grey", TestNets.Classes(5), new JsonObject());
    }

    // The same weights and thresholds with every QCFS activation at other levels.
    private static SavedModel WithLevels(SavedModel model, int levels) =>
        Rebuilt(model, model.Network.Architecture.Select(s => s is QcfsSpec q ? q with { Levels = levels } : s).ToArray());

    private static SavedModel Rebuilt(SavedModel model, LayerSpec[] specs)
    {
        var network = new Network(model.Network.Name, specs, model.Network.InputShape, new Random(1));
        var source = model.Network.NamedParameters.ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in network.NamedParameters) source[name].Value.Data.CopyTo(parameter.Value.Data, 0);
        return model with { Network = network };
    }

    // The same weights with every QCFS activation replaced by ReLU.
    private static SavedModel WithRelu(SavedModel model)
    {
        var specs = model.Network.Architecture.Select(s => s is QcfsSpec ? new ReluSpec() : s).ToArray();
        var network = new Network(model.Network.Name, specs, model.Network.InputShape, new Random(1));
        var source = model.Network.NamedParameters.ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, parameter) in network.NamedParameters) source[name].Value.Data.CopyTo(parameter.Value.Data, 0);
        return model with { Network = network };
    }

    private static ConversionTemplate Template(SavedModel model) => SnnTemplateBuilder.Build(model);

    private static SpikingNetwork Convert(SavedModel model, ImageDataset data, PostCalibration post = PostCalibration.None, int? targetSteps = null) =>
        SnnConverter.Convert(model, new ConversionOptions { Method = new QcfsThresholds(), PostCalibration = post, TargetSteps = targetSteps, BatchSize = 7 }, data).Network;

    private static float[] Logits(Network network, ImageDataset data)
    {
        var (images, _) = BatchLoader.LoadRange(data, 0, data.Count);
        return network.Forward(images, ForwardContext.Eval).Data.ToArray();
    }

    private static int[] ArgMax(IReadOnlyList<float> logits, int classes) =>
        Enumerable.Range(0, logits.Count / classes).Select(i => Enumerable.Range(0, classes).MaxBy(c => logits[i * classes + c])).ToArray();

    // v_out(T) per image and class: the sum of the output layer's currents over T steps, from the library's runner.
    private static float[] OutputPotential(SpikingNetwork net, ImageDataset data, int steps)
    {
        var probe = new SummingProbe(net.Layers.Count - 1, data.Count * net.ClassNames.Count);
        var runner = new SnnBlockRunner(net, data.Count, steps, InputEncoding.Direct, Readout.Membrane, SynapseEngine.Auto, probe);
        runner.Start(data, 0, data.Count, 1);
        runner.Run(steps);
        return probe.Sums;
    }

    private sealed class SummingProbe(int stage, int size) : CurrentProbe(stage)
    {
        public float[] Sums { get; } = new float[size];

        public override void Record(ReadOnlyMemory<float> currents, int images, int steps)
        {
            ReadOnlySpan<float> all = currents.Span;
            for (int t = 0; t < steps; t++)
                for (int k = 0; k < Sums.Length; k++) Sums[k] += all[t * Sums.Length + k];
        }
    }
}
