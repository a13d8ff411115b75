using SnnConvert.Snn;

namespace SnnConvert.Nir;

/// <summary>
/// Writes a converted spiking network as a NIR graph (Neuromorphic Intermediate Representation, the HDF5 layout of
/// the reference serializer, <see cref="NirFile"/>) in the form simulators that follow NIR's specification run as we do:
/// a chain Input -> [Conv2d | Affine] -> IF (hidden layers) -> SumPool2d -> Flatten -> ... -> Affine (output) -> Output.
/// <list type="bullet">
/// <item>IF nodes have r = 1, v_reset = 0 and v_threshold = 1: each neuron's incoming weights and bias are divided by
/// its threshold, which changes no spike (for either reset) and suits readers that take one threshold for all neurons.</item>
/// <item>Average pooling is a SumPool2d whose 1/k^2 is folded into the next weighted layer's weights (before that
/// layer's division by its threshold).</item>
/// <item>The graph ends at the output layer's Affine (membrane readout): NIR's output is that node's current at every
/// step, and its sum over time is our output membrane. Under spike-count readout the output layer is an IF node.</item>
/// <item>Dense layers without bias are Affine nodes with zero bias (several readers have no Linear).</item>
/// </list>
/// What NIR cannot express (soft reset, the initial membrane, the original thresholds, pad values other than zero,
/// which are folded into an input shift) is in SnnConvert's metadata unless <see cref="NirExportOptions.Plain"/>; see docs/nir.md.
/// </summary>
public static class NirExporter
{
    /// <summary>The NIR format version written to "/version": the release (1.0.7) whose reference serializer this layout follows.</summary>
    public const string Version = "1.0.7";

    /// <summary>Name of the graph's input node.</summary>
    public const string InputNode = "input";

    /// <summary>Name of the graph's output node.</summary>
    public const string OutputNode = "output";

    /// <summary>Writes <paramref name="net"/> to <paramref name="path"/> atomically, in the default form.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete (a spiking layer without thresholds) or inconsistent.</exception>
    public static void Save(string path, SpikingNetwork net) => Save(path, net, NirExportOptions.Default);

    /// <summary>Writes <paramref name="net"/> to <paramref name="path"/> atomically, in the form <paramref name="options"/> chooses.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete (a spiking layer without thresholds) or inconsistent.</exception>
    public static void Save(string path, SpikingNetwork net, NirExportOptions options) => NirFile.Write(path, ToGraph(net, options));

    /// <summary>The NIR graph of <paramref name="net"/> in the default form.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete or inconsistent.</exception>
    public static NirGraph ToGraph(SpikingNetwork net) => ToGraph(net, NirExportOptions.Default);

    /// <summary>The NIR graph of <paramref name="net"/> in the form <paramref name="options"/> chooses.</summary>
    /// <exception cref="Errors.ConversionException">The network is incomplete or inconsistent.</exception>
    public static NirGraph ToGraph(SpikingNetwork net, NirExportOptions options)
    {
        net.Validate(net.Name, requireThresholds: true);
        if (net.Layers.Select((l, i) => (l, i)).FirstOrDefault(x => x.l is SynapticLayer { InitialPotential: not null }) is { l: SynapticLayer calibrated } found)
            throw new Errors.ConversionException($"{net.Name}: stage {found.i} ({calibrated.Describe()}) has a calibrated initial membrane potential per " +
                "channel or neuron (membrane calibration), which NIR's IF neuron cannot express (it has no initial state); convert without membrane calibration to export to NIR");
        if (net.ReadoutDelay > 0)
            throw new Errors.ConversionException($"{net.Name}: its output layer integrates only from step {net.ReadoutDelay + 1} (readout delay " +
                $"{net.ReadoutDelay}), which a NIR graph cannot express (it has no time-dependent node); convert without {Errors.SettingReference.To(Errors.SettingNames.ReadoutDelay)} to export to NIR");
        var nodes = new Dictionary<string, NirNode>();
        var edges = new List<NirEdge>();
        string previous = InputNode;
        bool plain = options.Plain;
        void Append(string name, NirNode node)
        {
            if (plain) node = node with { Metadata = new Dictionary<string, NirValue>() };
            nodes.Add(name, node);
            edges.Add(new NirEdge(previous, name));
            previous = name;
        }

        nodes.Add(InputNode, new NirNode("Input", new Dictionary<string, NirValue> { ["shape"] = NirIntegers.Vector(Longs(net.InputShape)) }));
        IReadOnlyList<int[]> shapes = net.Shapes;
        int[] tensor = net.InputShape;     // the shape NIR's nodes see; stays (C, H, W) when dense layers are written as convolutions
        double poolArea = 1;               // k^2 of the sum poolings since the last weighted layer, which divides its weights
        for (int i = 0; i < net.Layers.Count; i++)
        {
            int[] inShape = shapes[i];
            switch (net.Layers[i])
            {
                case SnnConv2d conv:
                    if (conv.PadValues is { } pad) Append($"shift{i}", InputShift(pad, inShape));
                    Append($"conv{i}", Conv(conv, inShape, poolArea, Divisors(conv, net), IsNeuronLayer(conv, net)));
                    tensor = shapes[i + 1];
                    break;
                case SnnLinear linear when options.DenseAsConv && tensor.Length == 3:
                    // A convolution whose kernel covers the whole map: the same weights in the same (C, H, W) order as the flatten.
                    Append($"affine{i}", DenseAsConv(linear, tensor, poolArea, Divisors(linear, net), IsNeuronLayer(linear, net)));
                    tensor = [linear.OutFeatures, 1, 1];
                    break;
                case SnnLinear linear:
                    Append($"affine{i}", Dense(linear, poolArea, Divisors(linear, net), IsNeuronLayer(linear, net)));
                    tensor = shapes[i + 1];
                    break;
                case SnnAvgPool2d pool:
                    Append($"pool{i}", new NirNode("SumPool2d", new Dictionary<string, NirValue>
                    {
                        ["kernel_size"] = NirIntegers.Vector(pool.Kernel, pool.Kernel),
                        ["stride"] = NirIntegers.Vector(pool.Stride, pool.Stride),
                        ["padding"] = NirIntegers.Vector(0, 0),
                    }));
                    poolArea *= pool.Kernel * pool.Kernel;
                    tensor = shapes[i + 1];
                    break;
                case SnnGatedMaxPool2d gate:
                    throw new Errors.ConversionException($"{net.Name}: stage {i} ({gate.Describe()}): NIR has no max-pooling primitive (only SumPool2d " +
                        $"and AvgPool2d) nor a node for the spike-count gate; convert with {Errors.SettingReference.To(Errors.SettingNames.MaxPoolHandling, "average")} to export this network");
                case SnnFlatten when options.DenseAsConv && net.Layers.Skip(i + 1).All(l => l is SnnLinear):
                    break;   // the dense layers after it become convolutions over the whole map
                case SnnFlatten:
                    Append($"flatten{i}", new NirNode("Flatten", new Dictionary<string, NirValue>
                    {
                        // NIR's shapes have no batch axis (its type inference flattens input_type from start_dim), so
                        // start_dim 0 flattens the whole sample; readers that add a batch axis must add 1 (docs/nir.md).
                        ["input_type"] = NirIntegers.Vector(Longs(inShape)),
                        ["start_dim"] = new NirIntegers(0),
                        ["end_dim"] = new NirIntegers(-1),
                    }));
                    tensor = shapes[i + 1];
                    break;
                default:
                    throw new ArgumentException($"stage {i} ({net.Layers[i].Describe()}) has no NIR equivalent");
            }
            if (net.Layers[i] is SynapticLayer synaptic)
            {
                poolArea = 1;
                if (IsNeuronLayer(synaptic, net)) Append($"if{i}", Neurons(synaptic, tensor, net));
            }
        }
        nodes.Add(OutputNode, new NirNode("Output", new Dictionary<string, NirValue> { ["shape"] = NirIntegers.Vector(Longs(tensor)) }));
        edges.Add(new NirEdge(previous, OutputNode));
        return new NirGraph(Version, nodes, edges, plain ? new Dictionary<string, NirValue>() : GraphMetadata(net));
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

    // Hidden layers (and the output layer under spike-count readout) are IF neurons; the membrane-readout output layer
    // has none: the graph's output is its current, summed over time by the reader.
    private static bool IsNeuronLayer(SynapticLayer layer, SpikingNetwork net) => layer.Spiking || net.Readout == Readout.SpikeCount;

    /// <summary>What each output channel's weights and bias are divided by: its threshold for IF neurons, 1 for the membrane-readout output layer.</summary>
    private static double[] Divisors(SynapticLayer layer, SpikingNetwork net)
    {
        var divisors = new double[layer.OutputChannels];
        for (int o = 0; o < divisors.Length; o++)
            divisors[o] = IsNeuronLayer(layer, net) ? layer.Thresholds[layer.Thresholds.Length == 1 ? 0 : o] : 1;
        return divisors;
    }

    // Unit thresholds: the stage's current was divided by theta, so v / theta crosses 1 exactly when v crosses theta,
    // a soft reset subtracts 1 instead of theta, and v(0) = theta / 2 becomes 1/2 (the same "halfthreshold" setting).
    private static NirNode Neurons(SynapticLayer layer, int[] shape, SpikingNetwork net) => new("IF", new Dictionary<string, NirValue>
    {
        ["r"] = Filled(shape, 1f),
        ["v_threshold"] = Filled(shape, 1f),
        ["v_reset"] = Filled(shape, 0f),
    }, new Dictionary<string, NirValue>
    {
        [NirMetadata.Reset] = new NirText(net.Neuron.Reset == ResetMode.Soft ? "subtract" : "zero"),
        [NirMetadata.ThresholdGranularity] = new NirText(layer.Thresholds.Length == 1 ? "layer" : "channel"),
        [NirMetadata.OriginalThresholds] = new NirFloats(layer.Thresholds, [layer.Thresholds.Length]),
    });

    // The weighted node's metadata: a missing bias, and the thresholds an output layer without neurons carries (unused by the simulation).
    private static Dictionary<string, NirValue> WeightMetadata(SynapticLayer layer, bool neurons)
    {
        var metadata = new Dictionary<string, NirValue>();
        if (layer.Bias is null) metadata[NirMetadata.Bias] = new NirText("none");
        if (!neurons && layer.Thresholds.Length > 0)
        {
            metadata[NirMetadata.ThresholdGranularity] = new NirText(layer.Thresholds.Length == 1 ? "layer" : "channel");
            metadata[NirMetadata.OriginalThresholds] = new NirFloats(layer.Thresholds, [layer.Thresholds.Length]);
        }
        return metadata;
    }

    /// <summary>
    /// Weights divided by <paramref name="area"/> (the k^2 of sum poolings before the stage) and by each output
    /// channel's divisor, bias by the divisor, in double with one rounding. With <paramref name="pad"/> the bias is
    /// (b + sum over c, k of W[o, c, k] / area * pad[c]) / divisor, in double (see <see cref="InputShift"/>).
    /// </summary>
    private static (float[] Weight, float[] Bias) Normalised(SynapticLayer layer, double area, double[] divisors, float[]? pad)
    {
        int cout = layer.OutputChannels, fanIn = layer.Weight.Length / cout;
        int perChannel = pad is null ? 1 : fanIn / pad.Length;
        var weight = new float[layer.Weight.Length];
        var bias = new float[cout];
        for (int o = 0; o < cout; o++)
        {
            double sum = layer.Bias?[o] ?? 0;
            for (int k = 0; k < fanIn; k++)
            {
                weight[o * fanIn + k] = (float)(layer.Weight[o * fanIn + k] / (area * divisors[o]));
                if (pad is not null) sum += layer.Weight[o * fanIn + k] / area * pad[k / perChannel];
            }
            bias[o] = (float)((pad is null ? layer.Bias?[o] ?? 0 : sum) / divisors[o]);
        }
        return (weight, bias);
    }

    /// <summary>What the importer gives back for a value stored divided by <paramref name="scale"/>: the product in double, rounded once.</summary>
    internal static float Restore(float stored, double scale) => (float)(stored * scale);

    /// <summary>
    /// Where the importer's <see cref="Restore"/> of a weight (or bias) does not give back the stage's value bit for
    /// bit (a float32 quotient cannot always be multiplied back exactly: from none to about a fifth of a layer's values, depending on its threshold), metadata lists the index
    /// (weights first, then biases) and the exact value, so that SnnConvert reads back the network it wrote.
    /// </summary>
    private static void AddExactValues(Dictionary<string, NirValue> metadata, SynapticLayer layer, float[] storedWeight, double area, double[] divisors)
    {
        int fanIn = layer.Weight.Length / layer.OutputChannels;
        var index = new List<long>();
        var value = new List<float>();
        for (int i = 0; i < layer.Weight.Length; i++)
            if (Restore(storedWeight[i], area * divisors[i / fanIn]) != layer.Weight[i]) { index.Add(i); value.Add(layer.Weight[i]); }
        if (layer.Bias is { } bias)
            for (int o = 0; o < bias.Length; o++)
                if (Restore((float)(bias[o] / divisors[o]), divisors[o]) != bias[o]) { index.Add(layer.Weight.Length + o); value.Add(bias[o]); }
        if (index.Count == 0) return;
        metadata[NirMetadata.ExactIndex] = new NirIntegers(index.ToArray(), [index.Count]);
        metadata[NirMetadata.ExactValue] = new NirFloats(value.ToArray(), [value.Count]);
    }

    private static NirNode Conv(SnnConv2d conv, int[] inShape, double area, double[] divisors, bool neurons)
    {
        var (weight, bias) = Normalised(conv, area, divisors, conv.PadValues);
        Dictionary<string, NirValue> metadata = WeightMetadata(conv, neurons);
        AddExactValues(metadata, conv, weight, area, divisors);
        if (conv.PadValues is { } pad)
        {
            // The shift node before this one feeds x - p, padded with 0; the bias above has sum_k W[o, c, k] * p[c] added,
            // which makes the result equal to padding x with p (docs/nir.md). The stage's own pad values and (normalised)
            // bias are kept in metadata for the round trip.
            metadata[NirMetadata.PadValues] = new NirFloats(pad, [pad.Length]);
            if (conv.Bias is not null) metadata[NirMetadata.BiasBeforeShift] = new NirFloats(Normalised(conv, area, divisors, null).Bias, [conv.OutChannelCount]);
        }
        return ConvNode([conv.OutChannelCount, conv.InChannelCount, conv.Kernel, conv.Kernel], weight, bias, inShape, conv.Stride, conv.Padding, metadata);
    }

    private static NirNode ConvNode(int[] weightShape, float[] weight, float[] bias, int[] inShape, int stride, int padding, Dictionary<string, NirValue> metadata) =>
        new("Conv2d", new Dictionary<string, NirValue>
        {
            ["input_shape"] = NirIntegers.Vector(inShape[1], inShape[2]),
            ["weight"] = new NirFloats(weight, weightShape),
            ["stride"] = NirIntegers.Vector(stride, stride),
            ["padding"] = NirIntegers.Vector(padding, padding),
            ["dilation"] = NirIntegers.Vector(1, 1),
            ["groups"] = new NirIntegers(1),
            ["bias"] = new NirFloats(bias, [bias.Length]),
        }, metadata);

    /// <summary>b'[o] = b[o] + sum over c, ky, kx of W[o, c, ky, kx] * pad[c], accumulated in double.</summary>
    internal static float[] FoldPadValues(SnnConv2d conv, float[] pad)
    {
        int cout = conv.OutChannelCount, cin = conv.InChannelCount, kk = conv.Kernel * conv.Kernel;
        var folded = new float[cout];
        for (int o = 0; o < cout; o++)
        {
            double sum = conv.Bias?[o] ?? 0;
            for (int c = 0; c < cin; c++)
                for (int k = 0; k < kk; k++) sum += (double)conv.Weight[(o * cin + c) * kk + k] * pad[c];
            folded[o] = (float)sum;
        }
        return folded;
    }

    // A 1x1 identity convolution with bias -pad: x - pad, so that zero padding of its output equals pad-valued padding of x.
    private static NirNode InputShift(float[] pad, int[] inShape)
    {
        int c = pad.Length;
        var weight = new float[c * c];
        for (int i = 0; i < c; i++) weight[i * c + i] = 1f;
        return ConvNode([c, c, 1, 1], weight, Array.ConvertAll(pad, p => -p), inShape, 1, 0,
            new Dictionary<string, NirValue> { [NirMetadata.Role] = new NirText(NirMetadata.InputShiftRole) });
    }

    private static NirNode Dense(SnnLinear linear, double area, double[] divisors, bool neurons)
    {
        var (weight, bias) = Normalised(linear, area, divisors, null);
        Dictionary<string, NirValue> metadata = WeightMetadata(linear, neurons);
        AddExactValues(metadata, linear, weight, area, divisors);
        return new NirNode("Affine", new Dictionary<string, NirValue>
        {
            ["weight"] = new NirFloats(weight, [linear.OutFeatures, linear.InFeatures]),
            ["bias"] = new NirFloats(bias, [bias.Length]),
        }, metadata);
    }

    // (out, C*H*W) weights are (out, C, H, W) weights of a convolution without padding over the (C, H, W) map.
    private static NirNode DenseAsConv(SnnLinear linear, int[] map, double area, double[] divisors, bool neurons)
    {
        if (map[0] * map[1] * map[2] != linear.InFeatures)
            throw new ArgumentException($"dense layer {linear.Describe()} receives a [{string.Join(", ", map)}] map");
        var (weight, bias) = Normalised(linear, area, divisors, null);
        Dictionary<string, NirValue> metadata = WeightMetadata(linear, neurons);
        AddExactValues(metadata, linear, weight, area, divisors);
        return ConvNode([linear.OutFeatures, map[0], map[1], map[2]], weight, bias, map, 1, 0, metadata);
    }

    private static NirFloats Filled(int[] shape, float value)
    {
        var values = new float[shape.Aggregate(1, (a, b) => a * b)];
        Array.Fill(values, value);
        return new NirFloats(values, shape.ToArray());
    }

    private static long[] Longs(int[] values) => Array.ConvertAll(values, v => (long)v);
}
