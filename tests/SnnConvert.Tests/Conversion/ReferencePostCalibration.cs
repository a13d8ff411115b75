using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// Post-calibration of docs/method.md ("Post-calibration") re-implemented for the tests in double precision, one image
/// and one step at a time on top of <see cref="SnnReference"/>: the rate model's mean activation per channel, the
/// SNN's mean output per channel at T steps (IF neurons integrated here from the recorded currents), and the
/// layer-by-layer bias and v(0) updates.
/// </summary>
internal static class ReferencePostCalibration
{
    /// <summary>Per weighted stage and channel: the mean over images and positions of ReLU(z) (logits for the output),
    /// where every spiking layer hands ReLU(z) / theta to the next.</summary>
    public static Dictionary<int, double[]> Targets(SpikingNetwork net, ImageDataset data, bool perNeuron = false)
    {
        var sums = new Dictionary<int, double[]>();
        for (int i = 0; i < data.Count; i++)
            RateModel(net, SnnReference.Image(data, i), (s, layer, z) =>
            {
                int per = z.Length / layer.OutputChannels;
                double[] sum = sums.TryGetValue(s, out double[]? found) ? found : sums[s] = new double[perNeuron ? z.Length : layer.OutputChannels];
                for (int e = 0; e < z.Length; e++)
                {
                    if (perNeuron) sum[e] += z[e] / data.Count;
                    else sum[e / per] += z[e] / per / data.Count;
                }
            });
        return sums;
    }

    /// <summary>
    /// The rate model of one image: weighted layers compute W x + b, spiking ones apply ReLU and hand ReLU(z) / theta to
    /// the next, pooling averages, a max-pool gate takes the maximum. Calls <paramref name="visit"/>(stage, layer, output)
    /// after every weighted layer with its output before the division; returns the logits.
    /// </summary>
    public static double[] RateModel(SpikingNetwork net, double[] image, Action<int, SynapticLayer, double[]>? visit = null)
    {
        int[][] shapes = SnnReference.Shapes(net);
        double[] x = image;
        for (int s = 0; s < net.Layers.Count; s++)
        {
            switch (net.Layers[s])
            {
                case SynapticLayer layer:
                    double[] z = layer is SnnConv2d conv ? SnnReference.Conv(x, shapes[s], conv) : SnnReference.Linear(x, (SnnLinear)layer);
                    int per = z.Length / layer.OutputChannels;
                    if (layer.Spiking) for (int e = 0; e < z.Length; e++) z[e] = Math.Max(z[e], 0);
                    visit?.Invoke(s, layer, z);
                    if (layer.Spiking) for (int e = 0; e < z.Length; e++) z[e] /= Theta(layer, e / per);
                    x = z;
                    break;
                case SnnAvgPool2d pool: x = SnnReference.Pool(x, shapes[s], pool.Kernel, pool.Stride); break;
                case SnnGatedMaxPool2d gate: x = SnnReference.MaxPool(x, shapes[s], gate.Kernel, gate.Stride); break;
            }
        }
        return x;
    }

    /// <summary>Per channel (or per neuron): mean SNN output (spikes / T x theta, or the mean current) minus the target.</summary>
    public static double[] Error(SpikingNetwork net, int stage, ImageDataset data, int steps, double[] target, bool perNeuron = false)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        bool integrate = layer.Spiking || net.Readout == Readout.SpikeCount;
        var sum = new double[perNeuron ? target.Length : layer.OutputChannels];
        var run = new SnnReference(net, stopAt: stage);
        for (int i = 0; i < data.Count; i++)
        {
            run.Start(SnnReference.Image(data, i));
            double[]? v = null;
            for (int t = 0; t < steps; t++)
            {
                run.Step();
                double[] z = run.Current(stage);
                int per = z.Length / layer.OutputChannels;
                v ??= Enumerable.Range(0, z.Length).Select(e => layer.InitialPotential is { } v0 && v0.Length == z.Length ? v0[e] : Start(net, layer, integrate, e / per)).ToArray();
                int slot(int e) => perNeuron ? e : e / per;
                double share = perNeuron ? 1 : per;
                for (int e = 0; e < z.Length; e++)
                {
                    if (!integrate) { sum[slot(e)] += z[e] / share; continue; }
                    double theta = Theta(layer, e / per);
                    v[e] += z[e];
                    if (v[e] < theta) continue;
                    sum[slot(e)] += theta / share;
                    v[e] = net.Neuron.Reset == ResetMode.Soft ? v[e] - theta : 0;
                }
            }
        }
        return sum.Select((s, c) => s / data.Count / steps - target[c]).ToArray();
    }

    /// <summary>
    /// The whole procedure: every weighted layer in order; bias b -= d; v(0) = theta / 2 then v(0) -= d T, clamped to
    /// +-theta; each step <paramref name="passes"/> times, d measured again before every pass after the first.
    /// </summary>
    public static SpikingNetwork Calibrate(SpikingNetwork net, ImageDataset data, int steps, bool bias, bool membrane, int passes = 1, bool perNeuron = false)
    {
        Dictionary<int, double[]> targets = Targets(net, data);
        Dictionary<int, double[]> neuronTargets = Targets(net, data, perNeuron: true);
        int[][] shapes = SnnReference.Shapes(net);
        for (int s = 0; s < net.Layers.Count; s++)
        {
            if (net.Layers[s] is not SynapticLayer layer) continue;
            bool integrate = layer.Spiking || net.Readout == Readout.SpikeCount;
            if (!bias && !integrate) continue;
            bool shift = membrane && integrate;
            int channels = layer.OutputChannels, size = shapes[s + 1].Aggregate(1, (a, b) => a * b), per = perNeuron && shift ? size / channels : 1;
            int starts = channels * per;   // v(0) values
            if (shift) net = net.WithLayer(s, layer = layer with { InitialPotential = Enumerable.Range(0, starts).Select(n => (float)(Theta(layer, n / per) / 2)).ToArray() });
            double[] d = Error(net, s, data, steps, targets[s]);
            for (int pass = 0; bias && pass < passes; pass++)
            {
                if (pass > 0) d = Error(net, s, data, steps, targets[s]);
                float[] b = Enumerable.Range(0, channels).Select(c => (float)((layer.Bias?[c] ?? 0) - d[c])).ToArray();
                net = net.WithLayer(s, layer = layer with { Bias = b });
            }
            double[] Starts() => per > 1 ? Error(net, s, data, steps, neuronTargets[s], perNeuron: true) : Error(net, s, data, steps, targets[s]);
            if (shift && (bias || per > 1)) d = Starts();
            for (int pass = 0; shift && pass < passes; pass++)
            {
                if (pass > 0) d = Starts();
                float[] v0 = Enumerable.Range(0, starts)
                    .Select(n => (float)Math.Clamp(layer.InitialPotential![n] - d[n] * steps, -Theta(layer, n / per), Theta(layer, n / per))).ToArray();
                net = net.WithLayer(s, layer = layer with { InitialPotential = v0 });
            }
        }
        return net;
    }

    private static double Start(SpikingNetwork net, SynapticLayer layer, bool integrate, int channel) =>
        layer.InitialPotential is { } v0 ? v0[channel]
        : integrate && net.Neuron.Initial == InitialMembrane.HalfThreshold ? Theta(layer, channel) / 2 : 0;

    private static double Theta(SynapticLayer layer, int channel) => layer.Thresholds.Length == 1 ? layer.Thresholds[0] : layer.Thresholds[channel];
}
