using SnnConvert.Errors;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// A converted spiking network: stages from the input image to an output layer whose membrane (or spike
/// count) gives the class. Weighted layers carry their thresholds; <see cref="Conversion"/> records how
/// they were set (method, options, calibration statistics).
/// </summary>
/// <param name="Name">Source model name.</param>
/// <param name="InputShape">Per-image input (C, H, W), pixels in [0, 1] (normalisation is folded into the first layer).</param>
/// <param name="Layers">Stages in order; the last weighted layer is the non-spiking output layer.</param>
/// <param name="ClassNames">One per output.</param>
/// <param name="Dataset">Dataset the source model was trained on, or null.</param>
/// <param name="Neuron">IF neuron settings of the hidden layers.</param>
/// <param name="Readout">How the class is read from the output layer.</param>
/// <param name="Conversion">Method, options and calibration statistics (typed; JSON only in the files).</param>
public sealed record SpikingNetwork(string Name, int[] InputShape, IReadOnlyList<SnnLayer> Layers, IReadOnlyList<string> ClassNames,
    string? Dataset, NeuronModel Neuron, Readout Readout, ConversionRecord Conversion)
{
    /// <summary>Per-sample shapes: the input, then each stage's output.</summary>
    public IReadOnlyList<int[]> Shapes
    {
        get
        {
            var shapes = new List<int[]> { InputShape };
            foreach (SnnLayer layer in Layers) shapes.Add(layer.OutputShape(shapes[^1]));
            return shapes;
        }
    }

    /// <summary>
    /// A copy whose conversion record also holds the conversion's wall time (rounded to 0.1 s).
    /// </summary>
    public SpikingNetwork WithCalibrationSeconds(double seconds)
        => this with { Conversion = Conversion with { CalibrationSeconds = Math.Round(seconds, 1) } };

    /// <summary>
    /// Delayed evaluation (Hwang et al. 2021): the membrane-readout output layer integrates its current only from step
    /// <c>ReadoutDelay + 1</c> on, so that the class is read from the steps after the spikes have reached the deep layers
    /// rather than from the first, incomplete ones. 0 (the default): from the first step. The hidden layers run from step 1
    /// either way; the latency T still counts every step. Chosen at conversion (<c>--readout-delay</c>, docs/method.md).
    /// </summary>
    public int ReadoutDelay { get; init; }

    /// <summary>Indices of the weighted layers, in order.</summary>
    public IReadOnlyList<int> SynapticIndices => Enumerable.Range(0, Layers.Count).Where(i => Layers[i] is SynapticLayer).ToArray();

    /// <summary>Index of the output layer (the last weighted layer).</summary>
    public int OutputIndex => SynapticIndices[^1];

    /// <summary>A copy with stage <paramref name="index"/> replaced.</summary>
    public SpikingNetwork WithLayer(int index, SnnLayer layer)
    {
        var layers = Layers.ToArray();
        layers[index] = layer;
        return this with { Layers = layers };
    }

    /// <summary>Checks shapes, weight sizes and thresholds; <paramref name="source"/> names the file or step in messages.</summary>
    /// <param name="source">File or step the network came from.</param>
    /// <param name="requireThresholds">Whether every spiking layer must have its thresholds (false for a template before balancing).</param>
    /// <exception cref="ConversionException">Something does not fit.</exception>
    public void Validate(string source, bool requireThresholds)
    {
        if (ReadoutDelay < 0) throw new ConversionException($"{source}: readout delay is {ReadoutDelay}, expected 0 or more steps");
        if (ReadoutDelay > 0 && Readout != Readout.Membrane)
            throw new ConversionException($"{source}: a readout delay ({ReadoutDelay} steps) needs the membrane readout, not {Readout.ToString().ToLowerInvariant()}");
        // Checked before the shapes: AvgPool2dSpec reads a stride of 0 as "stride = kernel", while the simulation would
        // step its windows by 0, so the shapes alone would not catch it.
        for (int i = 0; i < Layers.Count; i++)
        {
            if (Layers[i] is SnnAvgPool2d pool && (pool.Kernel <= 0 || pool.Stride <= 0))
                throw new ConversionException($"{source}: layer {i} (average pooling): kernel {pool.Kernel} and stride {pool.Stride} must be positive");
            if (Layers[i] is not SnnGatedMaxPool2d gate) continue;
            if (gate.Kernel <= 0 || gate.Stride <= 0)
                throw new ConversionException($"{source}: layer {i} (gated max pooling): kernel {gate.Kernel} and stride {gate.Stride} must be positive");
            // The gate counts the spikes of the neurons before it; the simulator runs it with that layer.
            if (i == 0 || Layers[i - 1] is not SynapticLayer { Spiking: true })
                throw new ConversionException($"{source}: layer {i} ({gate.Describe()}) must directly follow a spiking conv or dense layer, " +
                    $"found {(i == 0 ? "the input" : Layers[i - 1].Describe())}");
        }
        IReadOnlyList<int[]> shapes;
        try { shapes = Shapes; }
        catch (ArgumentException e) { throw new ConversionException($"{source}: layers do not chain: {e.Message}"); }
        if (shapes[^1].Length != 1 || shapes[^1][0] != ClassNames.Count)
            throw new ConversionException($"{source}: the network outputs {Tensor.ShapeToText(shapes[^1])} but has {ClassNames.Count} classes");
        var synaptic = SynapticIndices;
        if (synaptic.Count == 0) throw new ConversionException($"{source}: the network has no weighted layer");
        if (synaptic[^1] != Layers.Count - 1) throw new ConversionException($"{source}: the output layer must be the last stage");
        foreach (int i in synaptic)
        {
            var layer = (SynapticLayer)Layers[i];
            string where = $"{source}: layer {i} ({layer.Describe()})";
            long weights = layer switch
            {
                SnnConv2d c => (long)c.OutChannelCount * c.InChannelCount * c.Kernel * c.Kernel,
                SnnLinear l => (long)l.OutFeatures * l.InFeatures,
                _ => 0,
            };
            if (layer.Weight.Length != weights) throw new ConversionException($"{where}: weight has {layer.Weight.Length} values, expected {weights}");
            if (layer.Bias is { } b && b.Length != layer.OutputChannels) throw new ConversionException($"{where}: bias has {b.Length} values, expected {layer.OutputChannels}");
            if (layer is SnnConv2d { PadValues: { } pad } conv && pad.Length != conv.InChannelCount)
                throw new ConversionException($"{where}: pad values have {pad.Length} entries, expected {conv.InChannelCount}");
            int neurons = shapes[i + 1].Aggregate(1, (a, b) => a * b);
            if (layer.InitialPotential is { } v0 && (v0.Length != layer.OutputChannels && v0.Length != neurons || v0.Any(v => !float.IsFinite(v))))
                throw new ConversionException($"{where}: initial potential has {v0.Length} values, expected {layer.OutputChannels} (one per channel) " +
                    $"or {neurons} (one per neuron) finite ones");
            if (layer.Spiking != (i != synaptic[^1])) throw new ConversionException($"{where}: only the last weighted layer may be the non-spiking output");
            bool needed = requireThresholds && (layer.Spiking || Readout == Readout.SpikeCount);
            if (!needed && layer.Thresholds.Length == 0) continue;
            if (layer.Thresholds.Length != 1 && layer.Thresholds.Length != layer.OutputChannels)
                throw new ConversionException($"{where}: {layer.Thresholds.Length} thresholds, expected 1 or {layer.OutputChannels}");
            int bad = Array.FindIndex(layer.Thresholds, t => !(t > 0 && float.IsFinite(t)));
            if (bad >= 0) throw new ConversionException($"{where}: threshold {bad} is {layer.Thresholds[bad]}; thresholds must be positive and finite");
        }
    }
}
