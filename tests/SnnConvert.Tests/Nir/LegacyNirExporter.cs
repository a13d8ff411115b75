using SnnConvert.Nir;
using SnnConvert.Snn;

namespace SnnConvert.Tests.Nir;

/// <summary>
/// The exporter as it was before NIR 1.0.7 files (SnnConvert before issue 15), kept to write the old form the importer
/// must still read: raw thresholds, AvgPool2d, Linear, an integrator I at the end, version "1.0.8".
/// </summary>
internal static class LegacyNirExporter
{
    /// <summary>The NIR format version written to "/version": the 1.0 layout (node metadata, IF v_reset) of the reference serializer.</summary>
    public const string Version = "1.0.8";

    /// <summary>Name of the graph's input node.</summary>
    public const string InputNode = "input";

    /// <summary>Name of the graph's output node.</summary>
    public const string OutputNode = "output";

    /// <summary>Writes <paramref name="net"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete (a spiking layer without thresholds) or inconsistent.</exception>
    public static void Save(string path, SpikingNetwork net) => NirFile.Write(path, ToGraph(net));

    /// <summary>The NIR graph of <paramref name="net"/>.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete or inconsistent.</exception>
    public static NirGraph ToGraph(SpikingNetwork net)
    {
        net.Validate(net.Name, requireThresholds: true);
        var nodes = new Dictionary<string, NirNode>();
        var edges = new List<NirEdge>();
        string previous = InputNode;
        void Append(string name, NirNode node)
        {
            nodes.Add(name, node);
            edges.Add(new NirEdge(previous, name));
            previous = name;
        }

        nodes.Add(InputNode, new NirNode("Input", new Dictionary<string, NirValue> { ["shape"] = NirIntegers.Vector(Longs(net.InputShape)) }));
        IReadOnlyList<int[]> shapes = net.Shapes;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            int[] inShape = shapes[i], outShape = shapes[i + 1];
            switch (net.Layers[i])
            {
                case SnnConv2d conv:
                    if (conv.PadValues is { } pad) Append($"shift{i}", InputShift(pad, inShape));
                    Append($"conv{i}", Conv(conv, inShape));
                    break;
                case SnnLinear linear:
                    Append($"{(linear.Bias is null ? "linear" : "affine")}{i}", Dense(linear));
                    break;
                case SnnAvgPool2d pool:
                    Append($"pool{i}", new NirNode("AvgPool2d", new Dictionary<string, NirValue>
                    {
                        ["kernel_size"] = NirIntegers.Vector(pool.Kernel, pool.Kernel),
                        ["stride"] = NirIntegers.Vector(pool.Stride, pool.Stride),
                        ["padding"] = NirIntegers.Vector(0, 0),
                    }));
                    break;
                case SnnFlatten:
                    Append($"flatten{i}", new NirNode("Flatten", new Dictionary<string, NirValue>
                    {
                        // Per-sample shapes (no batch axis), so everything from axis 0 is flattened.
                        ["input_type"] = NirIntegers.Vector(Longs(inShape)),
                        ["start_dim"] = new NirIntegers(0),
                        ["end_dim"] = new NirIntegers(-1),
                    }));
                    break;
                default:
                    throw new ArgumentException($"stage {i} ({net.Layers[i].Describe()}) has no NIR equivalent");
            }
            if (net.Layers[i] is SynapticLayer synaptic) Append(NeuronName(synaptic, i, net.Readout), Neurons(synaptic, outShape, net));
        }
        nodes.Add(OutputNode, new NirNode("Output", new Dictionary<string, NirValue> { ["shape"] = NirIntegers.Vector(Longs(shapes[^1])) }));
        edges.Add(new NirEdge(previous, OutputNode));
        return new NirGraph(Version, nodes, edges, GraphMetadata(net));
    }

    private static Dictionary<string, NirValue> GraphMetadata(SpikingNetwork net)
    {
        var metadata = new Dictionary<string, NirValue>
        {
            [NirMetadata.TimeStep] = new NirFloats(1f),
            [NirMetadata.Name] = new NirText(net.Name),
            [NirMetadata.Classes] = new NirText(net.ClassNames.ToArray(), [net.ClassNames.Count]),
            [NirMetadata.Readout] = new NirText(net.Readout.ToString().ToLowerInvariant()),
            [NirMetadata.InitialMembrane] = new NirText(net.Neuron.Initial.ToString().ToLowerInvariant()),
            [NirMetadata.Conversion] = new NirText(net.Conversion.ToJson().ToJsonString()),
        };
        if (net.Dataset is { } dataset) metadata[NirMetadata.Dataset] = new NirText(dataset);
        return metadata;
    }

    private static string NeuronName(SynapticLayer layer, int index, Readout readout) =>
        layer.Spiking || readout == Readout.SpikeCount ? $"if{index}" : $"integrator{index}";

    // Hidden layers (and the output layer under spike-count readout) are IF neurons; the membrane-readout output layer
    // is an integrator, which accumulates without firing.
    private static NirNode Neurons(SynapticLayer layer, int[] shape, SpikingNetwork net)
    {
        var metadata = new Dictionary<string, NirValue>();
        if (layer.Thresholds.Length > 0)
            metadata[NirMetadata.ThresholdGranularity] = new NirText(layer.Thresholds.Length == 1 ? "layer" : "channel");
        NirFloats ones = Filled(shape, 1f);
        if (!layer.Spiking && net.Readout == Readout.Membrane)
        {
            if (layer.Thresholds.Length > 0) metadata[NirMetadata.OriginalThresholds] = new NirFloats(layer.Thresholds, [layer.Thresholds.Length]);
            return new NirNode("I", new Dictionary<string, NirValue> { ["r"] = ones }, metadata);
        }
        metadata[NirMetadata.Reset] = new NirText(net.Neuron.Reset == ResetMode.Soft ? "subtract" : "zero");
        return new NirNode("IF", new Dictionary<string, NirValue>
        {
            ["r"] = ones,
            ["v_threshold"] = Broadcast(layer.Thresholds, shape),
            ["v_reset"] = Filled(shape, 0f),
        }, metadata);
    }

    private static NirNode Conv(SnnConv2d conv, int[] inShape)
    {
        float[] bias = conv.Bias ?? new float[conv.OutChannelCount];
        var metadata = new Dictionary<string, NirValue>();
        if (conv.Bias is null) metadata[NirMetadata.Bias] = new NirText("none");
        if (conv.PadValues is { } pad)
        {
            // The shift node before this one feeds x - p, padded with 0; adding sum_k W[o, c, k] * p[c] to the bias makes
            // the result equal to padding x with p (docs/nir.md). The exact stage is kept in metadata for the round trip.
            bias = NirExporter.FoldPadValues(conv, pad);
            metadata[NirMetadata.PadValues] = new NirFloats(pad, [pad.Length]);
            if (conv.Bias is { } original) metadata[NirMetadata.BiasBeforeShift] = new NirFloats(original, [original.Length]);
        }
        return new NirNode("Conv2d", new Dictionary<string, NirValue>
        {
            ["input_shape"] = NirIntegers.Vector(inShape[1], inShape[2]),
            ["weight"] = new NirFloats(conv.Weight, [conv.OutChannelCount, conv.InChannelCount, conv.Kernel, conv.Kernel]),
            ["stride"] = NirIntegers.Vector(conv.Stride, conv.Stride),
            ["padding"] = NirIntegers.Vector(conv.Padding, conv.Padding),
            ["dilation"] = NirIntegers.Vector(1, 1),
            ["groups"] = new NirIntegers(1),
            ["bias"] = new NirFloats(bias, [bias.Length]),
        }, metadata);
    }

    // A 1x1 identity convolution with bias -pad: x - pad, so that zero padding of its output equals pad-valued padding of x.
    private static NirNode InputShift(float[] pad, int[] inShape)
    {
        int c = pad.Length;
        var weight = new float[c * c];
        for (int i = 0; i < c; i++) weight[i * c + i] = 1f;
        return new NirNode("Conv2d", new Dictionary<string, NirValue>
        {
            ["input_shape"] = NirIntegers.Vector(inShape[1], inShape[2]),
            ["weight"] = new NirFloats(weight, [c, c, 1, 1]),
            ["stride"] = NirIntegers.Vector(1, 1),
            ["padding"] = NirIntegers.Vector(0, 0),
            ["dilation"] = NirIntegers.Vector(1, 1),
            ["groups"] = new NirIntegers(1),
            ["bias"] = new NirFloats(Array.ConvertAll(pad, p => -p), [c]),
        }, new Dictionary<string, NirValue> { [NirMetadata.Role] = new NirText(NirMetadata.InputShiftRole) });
    }

    private static NirNode Dense(SnnLinear linear)
    {
        var fields = new Dictionary<string, NirValue> { ["weight"] = new NirFloats(linear.Weight, [linear.OutFeatures, linear.InFeatures]) };
        if (linear.Bias is null) return new NirNode("Linear", fields);
        fields["bias"] = new NirFloats(linear.Bias, [linear.Bias.Length]);
        return new NirNode("Affine", fields);
    }

    /// <summary>Thresholds (length 1 or C) repeated over a per-sample shape (C, H, W) or (F).</summary>
    private static NirFloats Broadcast(float[] thresholds, int[] shape)
    {
        int channels = shape[0], size = shape.Skip(1).Aggregate(1, (a, b) => a * b);
        var values = new float[channels * size];
        for (int c = 0; c < channels; c++) values.AsSpan(c * size, size).Fill(thresholds[thresholds.Length == 1 ? 0 : c]);
        return new NirFloats(values, shape.ToArray());
    }

    private static NirFloats Filled(int[] shape, float value)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        Array.Fill(values, value);
        return new NirFloats(values, shape.ToArray());
    }

    private static long[] Longs(int[] values) => Array.ConvertAll(values, v => (long)v);
}
