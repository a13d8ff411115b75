using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Conversion;

/// <summary>
/// The engine of the CNN-side methods (max activation, percentile, channel-wise max activation): one pass of the
/// CNN over the calibration images measures each layer's activation scale lambda_l (maximum or percentile of the
/// positive ReLU outputs, per layer or per channel, or with a target latency the error-minimising value of
/// <see cref="LatencyThresholdSearch"/>); then lambda_l becomes layer l's threshold and the weights
/// leaving layer l are multiplied by lambda_l (<see cref="InputScaling"/>), which is data-based normalisation
/// (W * lambda_{l-1} / lambda_l with threshold 1) written with thresholds. The output layer's lambda (largest
/// positive logit) is its threshold for spike-count readout.
/// </summary>
public static class ActivationBalancer
{
    /// <summary>Balances <paramref name="template"/>.</summary>
    public static SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, ThresholdGranularity granularity, double percentile,
        string method, IProgress<CalibrationProgress>? progress)
    {
        settings.Validate();
        var shapes = template.Shapes;
        var synaptic = template.SynapticIndices;
        var stats = new Dictionary<int, ChannelStatistics>();
        foreach (int s in synaptic)
        {
            var layer = (SynapticLayer)template.Layers[s];
            stats[s] = new ChannelStatistics(granularity == ThresholdGranularity.Channel && layer is SnnConv2d ? layer.OutputChannels : 1,
                percentile < 100 || settings.Target is not null);
        }
        var forward = new AnalogForward(template);
        for (int start = 0; start < settings.Data.Count; start += settings.BatchSize)
        {
            int n = Math.Min(settings.BatchSize, settings.Data.Count - start);
            var (images, _) = BatchLoader.LoadRange(settings.Data, start, n);
            forward.Run(images.Data, n, (s, activation) =>
            {
                int[] shape = shapes[s + 1];
                int channelSize = shape.Length == 3 ? shape[1] * shape[2] : 1;
                stats[s].Add(activation, shape[0], channelSize);
            });
            progress?.Report(new CalibrationProgress(-1, $"{method}: CNN activations", start + n, settings.Data.Count));
        }

        SpikingNetwork net = template;
        var report = new List<LayerCalibration>();
        float[] previous = [];
        foreach (int s in synaptic)
        {
            var layer = InputScaling.Apply((SynapticLayer)net.Layers[s], previous);
            var (raw, fraction) = LatencyThresholdSearch.Thresholds(stats[s], percentile, settings.Target);
            var (thresholds, dead) = ThresholdFinalizer.Finalize(raw);
            net = net.WithLayer(s, layer with { Thresholds = thresholds });
            previous = thresholds;
            report.Add(BalancingRecord.Layer(s, layer, thresholds, dead, 1) with { TargetFraction = fraction });
        }
        return net with { Conversion = BalancingRecord.Method(net.Conversion, method, granularity, percentile, settings, report) };
    }
}
