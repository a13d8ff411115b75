using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using SnnConvert.Training;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// The threshold methods of docs/method.md ("Threshold methods") re-implemented for the tests on top of <see cref="SnnReference"/> (double precision,
/// one image at a time): what is recorded, over which images, positions and steps, grouped per channel or per layer.
/// </summary>
internal static class ReferenceCalibration
{
    /// <summary>Values of a weighted stage, one list per group (output channel of a conv layer, or one group).</summary>
    public static List<double>[] Groups(SpikingNetwork net, int stage, bool channelWise)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        int groups = channelWise && layer is SnnConv2d ? layer.OutputChannels : 1;
        return Enumerable.Range(0, groups).Select(_ => new List<double>()).ToArray();
    }

    private static void Add(List<double>[] groups, double[] values, int channels)
    {
        int perChannel = values.Length / channels;
        for (int i = 0; i < values.Length; i++) groups[groups.Length == 1 ? 0 : i / perChannel].Add(values[i]);
    }

    /// <summary>
    /// z_stage(t) = W s(t) + b recorded for every image, position and step t = 1..steps, with the layers before it running
    /// as IF neurons (their thresholds as set in <paramref name="net"/>).
    /// </summary>
    public static List<double>[] Currents(SpikingNetwork net, ImageDataset data, int stage, int steps, bool channelWise, InputEncoding encoding, int seed)
    {
        var groups = Groups(net, stage, channelWise);
        int channels = ((SynapticLayer)net.Layers[stage]).OutputChannels;
        var run = new SnnReference(net, stopAt: stage);
        for (int i = 0; i < data.Count; i++)
        {
            run.Start(SnnReference.Image(data, i), encoding == InputEncoding.Rate ? InputEncoder.RateKey(seed, i) : null);
            for (int t = 0; t < steps; t++)
            {
                run.Step();
                Add(groups, run.Current(stage), channels);
            }
        }
        return groups;
    }

    /// <summary>CNN activations (ReLU outputs of hidden layers, logits of the output layer) of every weighted stage, per group.</summary>
    public static Dictionary<int, List<double>[]> Activations(SpikingNetwork template, ImageDataset data, bool channelWise)
    {
        var result = new Dictionary<int, List<double>[]>();
        for (int s = 0; s < template.Layers.Count; s++)
            if (template.Layers[s] is SynapticLayer) result[s] = Groups(template, s, channelWise);
        for (int i = 0; i < data.Count; i++)
            SnnReference.Analog(template, SnnReference.Image(data, i),
                (s, a) => Add(result[s], a, ((SynapticLayer)template.Layers[s]).OutputChannels));
        return result;
    }

    /// <summary>Nearest-rank percentile of the positive values (0 when there are none); 100 is the maximum.</summary>
    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        double[] positive = values.Where(v => v > 0).Order().ToArray();
        if (positive.Length == 0) return 0;
        int rank = (int)Math.Ceiling(percentile / 100 * positive.Length);
        return positive[Math.Clamp(rank, 1, positive.Length) - 1];
    }

    /// <summary>Largest value of a group, or 0 when none is positive (such a group never fires).</summary>
    public static double Max(IEnumerable<double> values) => Math.Max(0, values.Max());

    /// <summary>Dead groups (no positive value) get the layer's largest live threshold, or 1 when none is live.</summary>
    public static (float[] Thresholds, int Dead) Finalize(double[] raw)
    {
        double live = raw.Where(r => r > 0).DefaultIfEmpty(0).Max();
        int dead = raw.Count(r => !(r > 0));
        return (raw.Select(r => (float)(r > 0 ? r : live > 0 ? live : 1)).ToArray(), dead);
    }

    /// <summary>
    /// A copy of weighted stage <paramref name="stage"/> whose synapses from input channel c are multiplied by scales[c]
    /// (or scales[0] for all). The input channel of a conv weight (co, ci, i, j) is ci; of a dense weight after flatten it
    /// is the channel of the flattened (C, H, W) map the feature came from; of a dense weight after a dense layer, the feature.
    /// </summary>
    public static SynapticLayer Rescale(SpikingNetwork net, int stage, float[] scales)
    {
        var layer = (SynapticLayer)net.Layers[stage];
        if (scales.Length == 0) return layer;
        int[][] shapes = SnnReference.Shapes(net);
        var weight = (float[])layer.Weight.Clone();
        for (int index = 0; index < weight.Length; index++)
        {
            int channel;
            if (layer is SnnConv2d conv) channel = index / (conv.Kernel * conv.Kernel) % conv.InChannelCount;
            else
            {
                int feature = index % layer.InputChannels;
                int k = stage;
                while (k > 0 && net.Layers[k - 1] is SnnFlatten) k--;   // the map before flatten, if any
                int[] map = shapes[k];
                channel = map.Length == 3 ? feature / (map[1] * map[2]) : feature;
            }
            weight[index] = (float)((double)weight[index] * scales[scales.Length == 1 ? 0 : channel]);
        }
        return layer with { Weight = weight };
    }

    /// <summary>
    /// The seed method and Spike-Norm (docs/method.md, "Threshold methods"): weighted layers in order; each is calibrated with the layers before it
    /// already at their final thresholds; threshold = maximum (or percentile of the positive values) of its current over
    /// images, positions and steps. The output layer is skipped under membrane readout. Returns the balanced network and
    /// the dead groups per calibrated stage.
    /// </summary>
    public static (SpikingNetwork Net, Dictionary<int, int> Dead) Sequential(SpikingNetwork template, ImageDataset data, int steps, bool channelWise,
        InputEncoding encoding, int seed, bool rescale = false, double percentile = 100)
    {
        SpikingNetwork net = template;
        var dead = new Dictionary<int, int>();
        float[] previous = [];
        for (int s = 0; s < net.Layers.Count; s++)
        {
            if (net.Layers[s] is not SynapticLayer) continue;
            SynapticLayer layer = rescale ? Rescale(net, s, previous) : (SynapticLayer)net.Layers[s];
            net = net.WithLayer(s, layer);
            if (!layer.Spiking && net.Readout == Readout.Membrane) break;
            var groups = Currents(net, data, s, steps, channelWise, encoding, seed);
            var (thresholds, d) = Finalize(groups.Select(g => percentile >= 100 ? Max(g) : Percentile(g, percentile)).ToArray());
            net = net.WithLayer(s, layer with { Thresholds = thresholds });
            dead[s] = d;
            previous = thresholds;
        }
        return (net, dead);
    }

    /// <summary>
    /// Data-based normalisation written with thresholds (docs/method.md, "Threshold methods"; Diehl 2015 / Rueckauer 2017 / Kim 2020): lambda_l from the
    /// CNN's activations (maximum or percentile, per layer or per conv channel), threshold lambda_l, synapses of layer l
    /// multiplied by lambda_{l-1} of their input channel.
    /// </summary>
    public static (SpikingNetwork Net, Dictionary<int, int> Dead) Activation(SpikingNetwork template, ImageDataset data, bool channelWise, double percentile)
    {
        var activations = Activations(template, data, channelWise);
        SpikingNetwork net = template;
        var dead = new Dictionary<int, int>();
        float[] previous = [];
        foreach (var (s, groups) in activations.OrderBy(p => p.Key))
        {
            SynapticLayer layer = Rescale(net, s, previous);
            var (lambda, d) = Finalize(groups.Select(g => percentile >= 100 ? Max(g) : Percentile(g, percentile)).ToArray());
            net = net.WithLayer(s, layer with { Thresholds = lambda });
            dead[s] = d;
            previous = lambda;
        }
        return (net, dead);
    }
}
