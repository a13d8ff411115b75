using SnnConvert.Snn;
using SnnConvert.Tensors;

namespace SnnConvert.Conversion;

/// <summary>
/// The engine of the SNN-side methods (max-current, Spike-Norm): weighted layers are calibrated one after the
/// other; layer l's input current z_l(t) is recorded while layers before it already run as IF neurons with their
/// final thresholds, over the calibration images for T_calib steps, and its threshold is the maximum (or a
/// percentile) of z_l over images, positions and steps, per output channel or per layer, or with a target latency the
/// value that minimises z_l's clip-and-floor error at that latency (<see cref="LatencyThresholdSearch"/>).
/// Layer l's inputs are recorded while it is calibrated (<see cref="ProbeInputLog"/>, within a memory budget), and
/// layer l+1's calibration replays them through layer l, now final, instead of simulating every layer before it again:
/// the same currents bit for bit, and on a deep network (cifar10-vgg: eight weighted layers, the 32x32 convolutions
/// first) most of the cost of the later layers' calibrations saved.
/// </summary>
public static class SequentialCurrentBalancer
{
    /// <summary>
    /// Bytes of one layer's recorded inputs: an eighth of the memory available to the process, between 160 MiB and
    /// 4 GiB (two records are held at once; batches beyond the budget are simulated again, with the same result).
    /// </summary>
    public static long ReplayBudgetBytes =>
        Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8, PostCalibrator.ReplayBudgetBytes, 4L << 30);

    /// <summary>Balances <paramref name="template"/>.</summary>
    /// <param name="template">The SNN template.</param>
    /// <param name="settings">Calibration data and steps.</param>
    /// <param name="granularity">Per channel (conv layers) or per layer.</param>
    /// <param name="percentile">100 for the maximum, else a percentile of the positive currents.</param>
    /// <param name="encoding">Input encoding during calibration.</param>
    /// <param name="rescaleInputs">Multiply each layer's weights by the previous layer's thresholds per channel before calibrating it (see <see cref="InputScaling"/>).</param>
    /// <param name="method">Method name recorded in the network.</param>
    /// <param name="progress">Progress per layer.</param>
    public static SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, ThresholdGranularity granularity, double percentile,
        InputEncoding encoding, bool rescaleInputs, string method, IProgress<CalibrationProgress>? progress) =>
        Balance(template, settings, granularity, percentile, encoding, rescaleInputs, method, progress, ReplayBudgetBytes, out _);

    /// <summary>
    /// <see cref="Balance(SpikingNetwork, CalibrationSettings, ThresholdGranularity, double, InputEncoding, bool, string, IProgress{CalibrationProgress}?)"/>
    /// with the memory for each layer's recorded inputs given (0: no replay); <paramref name="replayed"/> counts the
    /// batches replayed instead of simulated.
    /// </summary>
    internal static SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, ThresholdGranularity granularity, double percentile,
        InputEncoding encoding, bool rescaleInputs, string method, IProgress<CalibrationProgress>? progress, long replayBudget, out int replayed)
    {
        settings.Validate();
        replayed = 0;
        SpikingNetwork net = template;
        var report = new List<LayerCalibration>();
        float[] previous = [];
        (ProbeInputLog Log, int Stage)? source = null;   // the inputs of the last layer calibrated, whose own inputs are final
        foreach (int stage in net.SynapticIndices)
        {
            var layer = (SynapticLayer)net.Layers[stage];
            if (rescaleInputs) layer = InputScaling.Apply(layer, previous);
            net = net.WithLayer(stage, layer);
            if (!layer.Spiking && net.Readout == Readout.Membrane) break;
            int groups = granularity == ThresholdGranularity.Channel && layer is SnnConv2d ? layer.OutputChannels : 1;
            var probe = new CurrentStatisticsProbe(net, stage, groups, percentile < 100 || settings.Target is not null);
            // A constant current (direct input, first layer) is the same at every step: one step records it all.
            int steps = InputEncoder.GivesConstantCurrent(net, encoding, stage) ? 1 : settings.Steps;
            int batch = Math.Min(settings.BatchSize, settings.Data.Count);
            int block = SnnBlockRunner.BlockSteps(net, batch, steps);
            ProbeInputLog? log = replayBudget > 0 && ProbeInputLog.Pays(net, encoding, stage) && LaterCalibrated(net, stage) ? new ProbeInputLog(replayBudget) : null;
            var runner = new SnnBlockRunner(net, batch, block, encoding, net.Readout, settings.Engine, probe) { InputLog = log };
            for (int start = 0, index = 0; start < settings.Data.Count; start += settings.BatchSize, index++)
            {
                int n = Math.Min(settings.BatchSize, settings.Data.Count - start);
                if (runner.RunBatch(settings.Data, start, n, settings.Seed, steps, index, source)) replayed++;
                progress?.Report(new CalibrationProgress(stage, $"{method}: layer {stage} ({layer.Describe()})", start + n, settings.Data.Count));
            }
            source = log is null ? null : (log, stage);
            ChannelStatistics stats = probe.Statistics();
            var (raw, fraction) = LatencyThresholdSearch.Thresholds(stats, percentile, settings.Target);
            var (thresholds, dead) = ThresholdFinalizer.Finalize(raw);
            net = net.WithLayer(stage, layer with { Thresholds = thresholds });
            previous = thresholds;
            report.Add(BalancingRecord.Layer(stage, layer, thresholds, dead, steps) with { TargetFraction = fraction });
        }
        return net with { Conversion = Record(net.Conversion, method, settings, percentile, granularity, encoding, rescaleInputs, report) };
    }

    // Whether a weighted layer after this one is calibrated (and would replay its inputs): the output layer is not
    // under membrane readout.
    private static bool LaterCalibrated(SpikingNetwork net, int stage) =>
        net.SynapticIndices.Any(s => s > stage && (((SynapticLayer)net.Layers[s]).Spiking || net.Readout != Readout.Membrane));

    private static ConversionRecord Record(ConversionRecord conversion, string method, CalibrationSettings settings, double percentile,
        ThresholdGranularity granularity, InputEncoding encoding, bool rescale, IReadOnlyList<LayerCalibration> layers) =>
        BalancingRecord.Method(conversion, method, granularity, percentile, settings, layers) with
        {
            CalibrationEncoding = encoding.ToString().ToLowerInvariant(),
            CalibrationSteps = settings.Steps,
            CalibrationSeed = settings.Seed,
            RescaleInputs = rescale,
        };
}
