using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>The SNN template of a CNN (thresholds still empty) and what conversion had to change.</summary>
/// <param name="Network">The template: folded weights, no thresholds.</param>
/// <param name="Warnings">Changes that alter the function (e.g. max pooling replaced), for the user.</param>
/// <param name="Qcfs">The CNN's QCFS activations by stage of the template (the weighted layer each follows); empty for a ReLU network.</param>
internal sealed record ConversionTemplate(SpikingNetwork Network, IReadOnlyList<string> Warnings, IReadOnlyDictionary<int, QcfsActivation> Qcfs);

/// <summary>
/// The first step of <see cref="SnnConverter.Convert"/>: turns a trained CNN into an SNN template: the input normalisation is folded into the first weighted layer
/// (its padding reads the per-channel mean, so borders stay exact), batch norm is folded into the preceding
/// conv/dense layer, dropout disappears, each conv/dense layer followed by ReLU or a QCFS activation becomes a layer of IF
/// neurons (a QCFS activation's levels and thresholds are kept beside the template, <see cref="ConversionTemplate.Qcfs"/>),
/// average pooling passes spike maps through, max pooling is refused or becomes a spiking max-pool gate or average
/// pooling (<see cref="MaxPoolHandling"/>), and the last dense layer becomes the non-spiking output.
/// Supported order: [normalize] then blocks of (conv|linear) [batchnorm] (relu|qcfs), with pooling, flatten and dropout
/// between them, ending with (conv|linear) [batchnorm]. Anything else is refused with a message.
/// </summary>
internal static class SnnTemplateBuilder
{
    /// <summary>Builds the template of <paramref name="model"/>.</summary>
    /// <exception cref="ConversionException">The layer order is not supported, or max pooling is refused.</exception>
    public static ConversionTemplate Build(SavedModel model, MaxPoolHandling maxPool = MaxPoolHandling.Refuse, NeuronModel? neuron = null,
        Readout readout = Readout.Membrane)
    {
        Network net = model.Network;
        var layers = new List<SnnLayer>();
        var warnings = new List<string>();
        var qcfs = new Dictionary<int, QcfsActivation>();
        NormalizeLayer? normalize = null;
        Open? open = null;   // the weighted layer being built, until its ReLU (or the end) closes it
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Layer layer = net.Layers[i];
            string where = $"{net.Name}: layer {i} ({layer.Spec.Describe()})";
            switch (layer)
            {
                case NormalizeLayer n:
                    if (i != 0) throw new ConversionException($"{where}: input normalisation must be the first layer");
                    normalize = n;
                    break;
                case Conv2dLayer or LinearLayer:
                    if (open is not null)
                        throw new ConversionException($"{where}: follows layer {open.Index} without a ReLU between them; merge the two linear maps before converting");
                    open = Open.From(layer, i);
                    if (normalize is not null)
                    {
                        open.FoldNormalization((NormalizeSpec)normalize.Spec, padWithMean: layer is Conv2dLayer);
                        normalize = null;
                    }
                    break;
                case BatchNormLayer bn:
                    if (open is null || open.Index != i - 1 || open.BatchNormFolded)
                        throw new ConversionException($"{where}: batch norm must directly follow a conv or dense layer to be folded into it");
                    open.FoldBatchNorm(bn);
                    break;
                case ReluLayer:
                    if (open is null) throw new ConversionException($"{where}: a ReLU must follow a conv or dense layer (optionally with batch norm)");
                    layers.Add(open.Build(spiking: true));
                    open = null;
                    break;
                case QcfsLayer q:
                    if (open is null) throw new ConversionException($"{where}: a QCFS activation must follow a conv or dense layer (optionally with batch norm)");
                    QcfsActivation activation = QcfsActivation.Of(q);
                    if (activation.Thresholds.Any(t => !(t > 0f) || !float.IsFinite(t)))
                        throw new ConversionException($"{where}: its thresholds must be positive finite numbers (they become the neurons' thresholds), " +
                            $"found {activation.Thresholds.First(t => !(t > 0f) || !float.IsFinite(t))}");
                    qcfs[layers.Count] = activation;
                    layers.Add(open.Build(spiking: true));
                    open = null;
                    break;
                case DropoutLayer:
                    break;
                case AvgPool2dLayer avg:
                    RequireClosed(open, where);
                    var a = (AvgPool2dSpec)avg.Spec;
                    layers.Add(new SnnAvgPool2d(a.Kernel, a.EffectiveStride));
                    break;
                case MaxPool2dLayer max:
                    RequireClosed(open, where);
                    var m = (MaxPool2dSpec)max.Spec;
                    if (maxPool == MaxPoolHandling.Refuse)
                        throw new ConversionException($"{where}: max pooling has no exact spiking equivalent; {MaxPoolAdvice.Refused}");
                    if (maxPool == MaxPoolHandling.Gate)
                    {
                        // The gate counts the spikes of the IF layer just built; at the input (or after another pooling) there is none.
                        if (layers.Count == 0 || layers[^1] is not SynapticLayer { Spiking: true })
                            throw new ConversionException($"{where}: {SettingReference.To(SettingNames.MaxPoolHandling, "gate")} needs the max pooling directly " +
                                "after a conv or dense layer with its ReLU (the gate counts that layer's spikes); convert with " +
                                $"{SettingReference.To(SettingNames.MaxPoolHandling, "average")}, or move the pooling");
                        layers.Add(new SnnGatedMaxPool2d(m.Kernel, m.EffectiveStride));
                        break;
                    }
                    warnings.Add($"layer {i}: max pooling {m.Kernel}x{m.Kernel} replaced by average pooling; the SNN approximates a different CNN, so accuracy changes");
                    layers.Add(new SnnAvgPool2d(m.Kernel, m.EffectiveStride));
                    break;
                case FlattenLayer:
                    RequireClosed(open, where);
                    layers.Add(new SnnFlatten());
                    break;
                default:
                    throw new ConversionException($"{where}: layer type is not supported by conversion");
            }
        }
        if (open is null) throw new ConversionException($"{net.Name}: the network must end with a conv or dense layer without ReLU (the output layer)");
        layers.Add(open.Build(spiking: false));
        var snn = new SpikingNetwork(net.Name, net.InputShape, layers, model.ClassNames, model.Dataset, neuron ?? new NeuronModel(), readout,
            new ConversionRecord { SourceModel = net.Name, Warnings = warnings.ToArray() });
        snn.Validate(net.Name, requireThresholds: false);
        return new ConversionTemplate(snn, warnings, qcfs);
    }

    private static void RequireClosed(Open? open, string where)
    {
        if (open is not null)
            throw new ConversionException($"{where}: pooling or flatten directly after a conv/dense layer without ReLU is not supported; put the ReLU first");
    }

    /// <summary>A weighted layer whose weights are being folded.</summary>
    private sealed class Open
    {
        public required int Index { get; init; }
        public required float[] Weight { get; init; }        // (Cout, fanIn) flattened
        public required int OutChannels { get; init; }
        public required int FanIn { get; init; }             // Cin*K*K or in features
        public float[]? Bias { get; set; }
        public float[]? PadValues { get; set; }
        public bool BatchNormFolded { get; set; }
        public required Func<Open, bool, SynapticLayer> Factory { get; init; }

        public static Open From(Layer layer, int index) => layer switch
        {
            Conv2dLayer c => new Open
            {
                Index = index, Weight = (float[])c.Weight.Value.Data.Clone(), Bias = (float[]?)c.Bias?.Value.Data.Clone(),
                OutChannels = ((Conv2dSpec)c.Spec).OutChannels, FanIn = c.Weight.Value.Length / ((Conv2dSpec)c.Spec).OutChannels,
                Factory = (o, spiking) =>
                {
                    var s = (Conv2dSpec)c.Spec;
                    return new SnnConv2d(s.InChannels, s.OutChannels, s.Kernel, s.Stride, s.Padding)
                    { Weight = o.Weight, Bias = o.Bias, PadValues = o.PadValues, Spiking = spiking };
                },
            },
            LinearLayer l => new Open
            {
                Index = index, Weight = (float[])l.Weight.Value.Data.Clone(), Bias = (float[]?)l.Bias?.Value.Data.Clone(),
                OutChannels = ((LinearSpec)l.Spec).OutFeatures, FanIn = ((LinearSpec)l.Spec).InFeatures,
                Factory = (o, spiking) =>
                {
                    var s = (LinearSpec)l.Spec;
                    if (o.PadValues is not null) throw new InvalidOperationException("pad values on a dense layer");
                    return new SnnLinear(s.InFeatures, s.OutFeatures) { Weight = o.Weight, Bias = o.Bias, Spiking = spiking };
                },
            },
            _ => throw new ArgumentException("not a weighted layer", nameof(layer)),
        };

        /// <summary>
        /// x_norm = (x - mean[c]) / std[c]: W' = W / std[c], b' = b - sum W mean[c] / std[c] over each output's inputs.
        /// Inputs of channel c are a contiguous block of fanIn / C weights (conv: C*K*K; dense after flatten: C*H*W).
        /// </summary>
        public void FoldNormalization(NormalizeSpec norm, bool padWithMean)
        {
            int channels = norm.Mean.Length, perChannel = FanIn / channels;
            Bias ??= new float[OutChannels];
            for (int o = 0; o < OutChannels; o++)
            {
                double shift = 0;
                for (int c = 0; c < channels; c++)
                {
                    Span<float> w = Weight.AsSpan(o * FanIn + c * perChannel, perChannel);
                    float inv = 1f / norm.Std[c];
                    for (int k = 0; k < w.Length; k++)
                    {
                        w[k] *= inv;
                        shift += (double)w[k] * norm.Mean[c];
                    }
                }
                Bias[o] -= (float)shift;
            }
            if (padWithMean) PadValues = (float[])norm.Mean.Clone();
        }

        /// <summary>y = gamma (z - mu) / sqrt(var + eps) + beta: W' = W s, b' = (b - mu) s + beta with s = gamma / sqrt(var + eps).</summary>
        public void FoldBatchNorm(BatchNormLayer bn)
        {
            Bias ??= new float[OutChannels];
            for (int o = 0; o < OutChannels; o++)
            {
                float s = bn.Gamma.Value.Data[o] / MathF.Sqrt(bn.RunningVar.Data[o] + bn.Eps);
                TensorPrimitives.Multiply(Weight.AsSpan(o * FanIn, FanIn), s, Weight.AsSpan(o * FanIn, FanIn));
                Bias[o] = (Bias[o] - bn.RunningMean.Data[o]) * s + bn.Beta.Value.Data[o];
            }
            BatchNormFolded = true;
        }

        public SynapticLayer Build(bool spiking) => Factory(this, spiking);
    }
}
