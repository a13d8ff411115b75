using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Post-calibration (docs/method.md): after a threshold method, corrects the mean error each layer's spike rate still
/// has at the target latency T, layer by layer in order with every earlier layer final, on up to <see cref="DefaultImages"/>
/// calibration images (or as many as asked) under direct input. For weighted layer l and output channel c, the error is
/// d_c = mean(SNN output) - mean(analog activation), means over images and positions, where the SNN output is
/// spikes / T x theta_c (IF neurons) or the mean current (membrane-readout output layer), and the analog activation is
/// the rate model of the same balanced network (<see cref="AnalogForward"/> with rates: ReLU(z) / theta feeds the next
/// layer), which is the CNN's activation when the synapses are rescaled by the previous thresholds.
/// <list type="bullet">
/// <item>Bias (Li et al. 2021, "A Free Lunch From ANN", light pipeline): b_c -= d_c, every weighted layer, the output included.</item>
/// <item>Membrane (Deng &amp; Gu 2021; Hao et al. 2023): v(0)_c = theta_c / 2, then v(0)_c -= d_c T (the mean surplus of
/// spikes, d_c T / theta_c, times theta_c), clamped to [-theta_c, theta_c]; IF layers only. With both, the bias is set
/// first and the membrane shift removes what the re-measured error still holds.</item>
/// </list>
/// Each step can run in several passes (Hao et al. 2023 shift iteratively): a correction moves a layer's mean output by
/// less than the error it was computed from, because neurons that stay silent or saturate over the T steps do not follow
/// it, so the error is measured again (on the same recorded inputs) and corrected again.
/// </summary>
public static class PostCalibrator
{
    /// <summary>Calibration images used at most unless asked otherwise (Li et al. use a few hundred); a seeded subset of the calibration images.</summary>
    public const int DefaultImages = 512;

    /// <summary>Measure-and-correct passes of each step per layer unless asked otherwise (one: Li et al.'s light pipeline).</summary>
    public const int DefaultPasses = 1;

    /// <summary>Calibrates <paramref name="balanced"/>; returns it unchanged for <see cref="PostCalibration.None"/>.</summary>
    /// <param name="balanced">The threshold method's network.</param>
    /// <param name="steps">What to calibrate.</param>
    /// <param name="settings">The calibration images (of which up to <paramref name="images"/>), T as <see cref="CalibrationSettings.Steps"/>, seed, batch, engine.</param>
    /// <param name="progress">Progress per layer.</param>
    /// <param name="images">Images used at most: a seeded subset of the calibration images when they are more.</param>
    /// <param name="passes">Measure-and-correct passes of each step per layer (<see cref="DefaultPasses"/>: one).</param>
    /// <param name="membraneGranularity">One v(0) per channel (the default) or per neuron.</param>
    /// <exception cref="InvalidSettingException">A setting is out of range, or <paramref name="images"/> or <paramref name="passes"/> is not positive.</exception>
    public static SpikingNetwork Calibrate(SpikingNetwork balanced, PostCalibration steps, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null,
        int images = DefaultImages, int passes = DefaultPasses, MembraneGranularity membraneGranularity = MembraneGranularity.Channel) =>
        Calibrate(balanced, steps, settings, progress, images, ReplayBudgetBytes, passes, membraneGranularity);

    /// <summary>Bytes of one layer's recorded inputs (<see cref="ProbeInputLog"/>; the batches beyond are simulated again).</summary>
    internal const long ReplayBudgetBytes = 160L << 20;

    /// <summary>
    /// <see cref="Calibrate(SpikingNetwork, PostCalibration, CalibrationSettings, IProgress{CalibrationProgress}?, int, int, MembraneGranularity)"/>
    /// with the memory for replays given. Each layer is measured with every earlier one final, and with bias and
    /// membrane twice, its bias changed in between. The first measurement records the layer's inputs (within
    /// <paramref name="replayBudget"/> bytes); the second replays them instead of simulating the layers before it
    /// again, and the next layer's first measurement replays them through this layer (now final) and on, which gives the
    /// same currents bit for bit. At most two such records are held at once.
    /// </summary>
    internal static SpikingNetwork Calibrate(SpikingNetwork balanced, PostCalibration steps, CalibrationSettings settings, IProgress<CalibrationProgress>? progress,
        int images, long replayBudget, int passes = DefaultPasses, MembraneGranularity membraneGranularity = MembraneGranularity.Channel)
    {
        CheckImages(images);
        CheckPasses(passes);
        if (steps == PostCalibration.None) return balanced;
        settings.Validate();
        settings = settings with { Data = SnnConverter.CalibrationSubset(settings.Data, images, settings.Seed) };
        bool bias = steps.HasFlag(PostCalibration.Bias), membrane = steps.HasFlag(PostCalibration.Membrane);
        bool perNeuron = membrane && membraneGranularity == MembraneGranularity.Neuron;
        Dictionary<int, double[]> targets = AnalogMeans(balanced, settings.Data, settings.BatchSize, settings.Qcfs);
        Dictionary<int, double[]>? neuronTargets = perNeuron ? AnalogMeans(balanced, settings.Data, settings.BatchSize, settings.Qcfs, perNeuron: true) : null;
        SpikingNetwork net = balanced;
        var report = new List<PostCalibrationLayer>();
        int last = net.SynapticIndices.Last();
        (ProbeInputLog, int)? previous = null;   // the inputs of the last layer measured, whose own inputs are final
        foreach (int stage in net.SynapticIndices)
        {
            var layer = (SynapticLayer)net.Layers[stage];
            bool integrate = layer.Spiking || net.Readout == Readout.SpikeCount;
            if (!bias && !integrate) continue;
            bool shiftMembrane = membrane && integrate;
            int channels = layer.OutputChannels;
            float Theta(int c) => layer.Thresholds[layer.Thresholds.Length == 1 ? 0 : c];
            int channelSize = ChannelSize(net.Shapes[stage + 1]);
            bool neuronStart = shiftMembrane && perNeuron;
            int starts = neuronStart ? channels * channelSize : channels, per = neuronStart ? channelSize : 1;   // v(0) values, and per channel
            if (shiftMembrane)
            {
                layer = layer with { InitialPotential = Enumerable.Range(0, starts).Select(n => 0.5f * Theta(n / per)).ToArray() };
                net = net.WithLayer(stage, layer);
            }
            bool measuresAgain = bias && shiftMembrane || passes > 1 || neuronStart;
            ProbeInputLog? log = ProbeInputLog.Pays(net, InputEncoding.Direct, stage) && (measuresAgain || stage != last) ? new ProbeInputLog(replayBudget) : null;
            double[] error = Error(net, stage, targets[stage], settings, progress, record: log, source: previous);
            previous = log is null ? null : (log, stage);
            double meanError = error.Average(Math.Abs);
            double? biasShift = null, meanStart = null;
            double[] Measure() => Error(net, stage, targets[stage], settings, progress, source: log is null ? null : (log, stage));
            // The membrane's error: per channel, or per neuron against the neuron's own mean activation.
            double[] MeasureStarts() => neuronStart
                ? Error(net, stage, neuronTargets![stage], settings, progress, source: log is null ? null : (log, stage), perNeuron: true)
                : Measure();
            if (bias)
            {
                float[] b = layer.Bias is { } old ? (float[])old.Clone() : new float[channels];
                var shift = new double[channels];
                for (int pass = 0; pass < passes; pass++)
                {
                    if (pass > 0) error = Measure();
                    for (int c = 0; c < channels; c++)
                    {
                        b[c] -= (float)error[c];
                        shift[c] += error[c];
                    }
                    layer = layer with { Bias = (float[])b.Clone() };
                    net = net.WithLayer(stage, layer);
                }
                biasShift = shift.Average(Math.Abs);
            }
            if (shiftMembrane)
            {
                if (bias || neuronStart) error = MeasureStarts();
                float[] v0 = (float[])layer.InitialPotential!.Clone();
                for (int pass = 0; pass < passes; pass++)
                {
                    if (pass > 0) error = MeasureStarts();
                    for (int n = 0; n < starts; n++) v0[n] = Math.Clamp(v0[n] - (float)(error[n] * settings.Steps), -Theta(n / per), Theta(n / per));
                    layer = layer with { InitialPotential = (float[])v0.Clone() };
                    net = net.WithLayer(stage, layer);
                }
                meanStart = Enumerable.Range(0, starts).Average(n => v0[n] / (double)Theta(n / per));
            }
            report.Add(new PostCalibrationLayer(stage, layer.Describe(), meanError, biasShift, meanStart));
        }
        string name = string.Join(",", new[] { bias ? "bias" : null, membrane ? "membrane" : null }.OfType<string>());
        string? granularity = perNeuron ? MembraneGranularity.Neuron.ToString().ToLowerInvariant() : null;
        var record = new PostCalibrationRecord(name, settings.Steps, settings.Data.Count, report, passes, granularity);
        return net with { Conversion = net.Conversion with { PostCalibration = record } };
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="passes"/> is at least 1.</summary>
    public static void CheckPasses(int passes)
    {
        if (passes <= 0) throw new InvalidSettingException(SettingNames.PostCalibrationPasses, $"post-calibration needs at least one pass, got {passes}");
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> unless <paramref name="images"/> is at least 1.</summary>
    public static void CheckImages(int images)
    {
        if (images <= 0) throw new InvalidSettingException(SettingNames.PostCalibrationSamples, $"post-calibration needs at least one image, got {images}");
    }

    /// <summary>
    /// Per weighted stage and output channel: the mean rate-model activation over images and positions (the CNN's QCFS
    /// activation where it has one, <paramref name="qcfs"/>, whatever method set the thresholds: the SNN aims at the CNN);
    /// with <paramref name="perNeuron"/>, per neuron (channel and position), the mean over images.
    /// </summary>
    internal static Dictionary<int, double[]> AnalogMeans(SpikingNetwork net, ImageDataset data, int batchSize, IReadOnlyDictionary<int, QcfsActivation>? qcfs = null,
        bool perNeuron = false)
    {
        IReadOnlyList<int[]> shapes = net.Shapes;
        int Size(int s) => perNeuron ? shapes[s + 1].Aggregate(1, (a, b) => a * b) : ((SynapticLayer)net.Layers[s]).OutputChannels;
        var sums = net.SynapticIndices.ToDictionary(s => s, s => new double[Size(s)]);
        var forward = new AnalogForward(net, rates: true, qcfs);
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            var (images, _) = BatchLoader.LoadRange(data, start, n);
            forward.Run(images.Data, n, (s, activation) =>
            {
                double[] sum = sums[s];
                int channelSize = perNeuron ? 1 : ChannelSize(shapes[s + 1]);
                for (int k = 0; k < activation.Length; k++) sum[k / channelSize % sum.Length] += activation[k];
            });
        }
        foreach (var (s, sum) in sums)
            for (int c = 0; c < sum.Length; c++) sum[c] /= (double)data.Count * (perNeuron ? 1 : ChannelSize(shapes[s + 1]));
        return sums;
    }

    /// <summary>
    /// d_c: the SNN's mean output per channel (spikes / T x theta, or the mean current) minus <paramref name="target"/>;
    /// with <paramref name="perNeuron"/>, per neuron (the mean over images; <paramref name="target"/> per neuron).
    /// Records the layer's inputs into <paramref name="record"/>; takes the batches that <paramref name="source"/> holds,
    /// the recorded inputs of this or an earlier weighted layer, from there instead of simulating the layers before it
    /// (which must be as they were when it was recorded).
    /// </summary>
    internal static double[] Error(SpikingNetwork net, int stage, double[] target, CalibrationSettings settings, IProgress<CalibrationProgress>? progress,
        ProbeInputLog? record = null, (ProbeInputLog Log, int Stage)? source = null, bool perNeuron = false)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        bool integrate = layer.Spiking || net.Readout == Readout.SpikeCount;
        int channels = layer.OutputChannels, batch = Math.Min(settings.BatchSize, settings.Data.Count);
        float Theta(int c) => layer.Thresholds.Length == 0 ? 1f : layer.Thresholds[layer.Thresholds.Length == 1 ? 0 : c];
        float[] initial = layer.InitialPotential ?? Enumerable.Range(0, channels)
            .Select(c => net.Neuron.Initial == InitialMembrane.HalfThreshold && integrate ? 0.5f * Theta(c) : 0f).ToArray();
        bool constant = InputEncoder.GivesConstantCurrent(net, InputEncoding.Direct, stage);
        var probe = new SpikeRateProbe(net, stage, batch, settings.Steps, integrate, initial, perNeuron) { IsConstantCall = constant };
        int steps = constant ? 1 : settings.Steps;
        int block = SnnBlockRunner.BlockSteps(net, batch, steps);
        var runner = new SnnBlockRunner(net, batch, block, InputEncoding.Direct, net.Readout, settings.Engine, probe) { InputLog = record };
        for (int start = 0, index = 0; start < settings.Data.Count; start += settings.BatchSize, index++)
        {
            int n = Math.Min(settings.BatchSize, settings.Data.Count - start);
            probe.Begin(n);
            runner.RunBatch(settings.Data, start, n, settings.Seed, steps, index, source);
            probe.End(n);
            progress?.Report(new CalibrationProgress(stage, $"post-calibration: layer {stage} ({layer.Describe()})", start + n, settings.Data.Count));
        }
        if (perNeuron)
        {
            double perNeuronCount = (double)settings.Data.Count * settings.Steps;
            return Enumerable.Range(0, probe.NeuronTotals.Count)
                .Select(k => probe.NeuronTotals[k] / perNeuronCount * (integrate ? Theta(k / probe.ChannelSize) : 1f) - target[k]).ToArray();
        }
        double perChannel = (double)settings.Data.Count * probe.ChannelSize * settings.Steps;
        return Enumerable.Range(0, channels).Select(c => probe.Totals[c] / perChannel * (integrate ? Theta(c) : 1f) - target[c]).ToArray();
    }

    private static int ChannelSize(int[] shape) => shape.Length == 3 ? shape[1] * shape[2] : 1;
}
