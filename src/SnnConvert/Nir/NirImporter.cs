using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Nir;

/// <summary>
/// Reads a NIR graph (any writer's, see docs/nir.md) into a <see cref="SpikingNetwork"/>. The graph must be a chain from
/// one Input to one Output of: Conv2d (groups 1, dilation 1, square kernel, equal strides and padding), Affine or
/// Linear, each followed by IF neurons (r &gt; 0 and v_threshold constant over each channel's positions, v_reset = 0) or,
/// for the last one, by an integrator I or directly by the Output (membrane readout); AvgPool2d or SumPool2d + Scale
/// (1/k^2) without padding; Flatten to one dimension. A 1x1 identity Conv2d directly before another Conv2d is read as
/// an input shift (pad values; what <see cref="NirExporter"/> writes). Anything else is refused with a
/// <see cref="NirFormatException"/> naming the node and field. SnnConvert's own metadata (<see cref="NirMetadata"/>)
/// restores what NIR cannot hold; without it, resets are hard (NIR's IF semantics) and the initial membrane is zero.
/// </summary>
public static class NirImporter
{
    /// <summary>Loads the NIR file at <paramref name="path"/> as a spiking network.</summary>
    /// <exception cref="NirFormatException">The file is not NIR, or its graph is outside the supported subset.</exception>
    public static SpikingNetwork Load(string path) => FromGraph(NirFile.Read(path), path);

    /// <summary>Builds the spiking network a NIR graph describes; <paramref name="source"/> names the file in messages.</summary>
    /// <exception cref="NirFormatException">The graph is outside the supported subset.</exception>
    public static SpikingNetwork FromGraph(NirGraph graph, string source)
    {
        if (!graph.Version.StartsWith("1.", StringComparison.Ordinal) && !graph.Version.StartsWith("0.", StringComparison.Ordinal))
            throw new NirFormatException($"{source}: NIR version is \"{graph.Version}\", expected 1.x");
        var reader = new ChainReader(source, graph);
        return reader.Read();
    }

    /// <summary>Walks the chain of nodes once, keeping the shape and the weighted stage waiting for its neurons.</summary>
    private sealed class ChainReader(string source, NirGraph graph)
    {
        private readonly List<SnnLayer> layers = [];
        private int[] shape = [];
        private SynapticLayer? pending;           // a weighted stage whose neuron node has not been read yet
        private string pendingName = "";
        private NirNode? pendingNode;
        private double pendingFold = 1;           // k^2 of sum poolings without a Scale before the pending stage, for its weights
        private double poolFold = 1;              // the same, collected since the last weighted node
        private string poolName = "";
        private float[]? shiftPad;                // pad values from an input-shift node, for the next Conv2d
        private string shiftName = "";
        private ResetMode? reset;
        private string resetNode = "";
        private Readout readout = Readout.Membrane;

        public SpikingNetwork Read()
        {
            IReadOnlyList<string> chain = Chain();
            NirNode input = graph.Nodes[chain[0]];
            shape = ShapeField(chain[0], input, "shape", "input_type/input");
            if (shape.Length is not (1 or 3) || shape.Any(d => d <= 0))
                throw Error(chain[0], input, $"field \"shape\" is [{string.Join(", ", shape)}], expected (C, H, W) or (F) with positive sizes");
            int[] inputShape = shape;
            for (int k = 1; k < chain.Count - 1; k++)
            {
                string name = chain[k];
                NirNode node = graph.Nodes[name];
                switch (node.Type)
                {
                    case "Conv2d": Conv(name, node, nextIsConv: graph.Nodes[chain[k + 1]].Type == "Conv2d"); break;
                    case "Affine" or "Linear": Dense(name, node); break;
                    case "IF": Neurons(name, node, spiking: true); break;
                    case "I": Neurons(name, node, spiking: false); break;
                    case "AvgPool2d": Pool(name, node, null); break;
                    case "SumPool2d" when graph.Nodes[chain[k + 1]] is { Type: "Scale" } scale:
                        Pool(name, node, (chain[k + 1], scale));
                        k++;
                        break;
                    case "SumPool2d":
                        // k^2 times the average: the next weighted node's weights take the k^2 (NirExporter folds 1/k^2 into them).
                        Pool(name, node, null);
                        break;
                    case "Flatten": Flatten(name, node); break;
                    case "Input" or "Output": throw Error(name, node, "an Input or Output node inside the chain is not supported (one input, one output)");
                    case "NIRGraph": throw Error(name, node, "nested graphs are not supported; flatten the graph into one chain");
                    case "LIF" or "LI" or "CubaLIF" or "CubaLI":
                        throw Error(name, node, "leaky neurons are not supported: SnnConvert's neurons integrate without leak (IF, or I for the output)");
                    default:
                        throw Error(name, node, "this primitive is not supported; SnnConvert reads Input, Conv2d, Affine, Linear, IF, I, AvgPool2d, SumPool2d (with or without a Scale), Flatten, Output");
                }
            }
            string outName = chain[^1];
            NirNode output = graph.Nodes[outName];
            if (pending is not null)   // a weighted stage straight into the output: membrane readout, its thresholds (if any) in its metadata
                Finish(spiking: false, pendingNode!.Metadata.TryGetValue(NirMetadata.OriginalThresholds, out NirValue? t) && t is NirFloats kept ? kept.Values : [], null);
            if (poolFold != 1) throw Error(poolName, graph.Nodes[poolName], "sum pooling without a Scale must be followed by a weighted node, which takes its k^2");
            int[] outShape = ShapeField(outName, output, "shape", "output_type/output");
            if (outShape.Aggregate(1L, (a, b) => a * b) != shape.Aggregate(1L, (a, b) => a * b) || shape.Length != 1)
                throw Error(outName, output, $"field \"shape\" is [{string.Join(", ", outShape)}] but the chain before it produces [{string.Join(", ", shape)}]; expected one class score per output (K)");
            return Network(inputShape);
        }

        private SpikingNetwork Network(int[] inputShape)
        {
            var meta = graph.Metadata;
            int classes = shape[0];
            string[] classNames = meta.TryGetValue(NirMetadata.Classes, out NirValue? c) && c is NirText names
                ? names.Values
                : Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (classNames.Length != classes)
                throw new NirFormatException($"{source}: graph metadata \"{NirMetadata.Classes}\" has {classNames.Length} names but the output has {classes} values");
            string name = Text(meta, NirMetadata.Name) ?? Path.GetFileNameWithoutExtension(source);
            var initial = Text(meta, NirMetadata.InitialMembrane) switch
            {
                null or "zero" => InitialMembrane.Zero,
                "halfthreshold" => InitialMembrane.HalfThreshold,
                string other => throw new NirFormatException($"{source}: graph metadata \"{NirMetadata.InitialMembrane}\" is \"{other}\", expected zero or halfthreshold"),
            };
            ConversionRecord conversion = new();
            if (Text(meta, NirMetadata.Conversion) is { } json)
            {
                try { conversion = ConversionRecord.FromJson(JsonNode.Parse(json)?.AsObject() ?? []); }
                catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
                {
                    throw new NirFormatException($"{source}: graph metadata \"{NirMetadata.Conversion}\" is not a JSON object: {e.Message}", e);
                }
            }
            var net = new SpikingNetwork(name, inputShape, layers, classNames, Text(meta, NirMetadata.Dataset),
                new NeuronModel(reset ?? ResetMode.Hard, initial), readout, conversion);
            try { net.Validate(source, requireThresholds: true); }
            catch (ConversionException e) { throw new NirFormatException(e.Message); }
            return net;
        }

        /// <summary>Node names from the Input to the Output, checking that the edges form exactly one chain.</summary>
        private List<string> Chain()
        {
            foreach (NirEdge e in graph.Edges)
                foreach (string end in new[] { e.Source, e.Target })
                    if (!graph.Nodes.ContainsKey(end))
                        throw new NirFormatException($"{source}: edge \"{e.Source}\" -> \"{e.Target}\" names node \"{end}\", which the graph does not have");
            var inputs = graph.Nodes.Where(n => n.Value.Type == "Input").Select(n => n.Key).ToList();
            var outputs = graph.Nodes.Where(n => n.Value.Type == "Output").Select(n => n.Key).ToList();
            if (inputs.Count != 1) throw new NirFormatException($"{source}: the graph has {inputs.Count} Input nodes, expected exactly 1");
            if (outputs.Count != 1) throw new NirFormatException($"{source}: the graph has {outputs.Count} Output nodes, expected exactly 1");
            var next = new Dictionary<string, string>();
            var incoming = new Dictionary<string, int>();
            foreach (NirEdge e in graph.Edges)
            {
                if (!next.TryAdd(e.Source, e.Target))
                    throw new NirFormatException($"{source}: edges do not form a chain: node \"{e.Source}\" feeds both \"{next[e.Source]}\" and \"{e.Target}\" (branches are not supported)");
                incoming[e.Target] = incoming.GetValueOrDefault(e.Target) + 1;
                if (incoming[e.Target] > 1)
                    throw new NirFormatException($"{source}: edges do not form a chain: node \"{e.Target}\" has more than one incoming edge (merges and recurrence are not supported)");
            }
            var chain = new List<string> { inputs[0] };
            var seen = new HashSet<string> { inputs[0] };
            while (chain[^1] != outputs[0])
            {
                if (!next.TryGetValue(chain[^1], out string? target))
                    throw new NirFormatException($"{source}: edges do not form a chain: node \"{chain[^1]}\" has no outgoing edge, so the output \"{outputs[0]}\" is not reached from the input \"{inputs[0]}\"");
                if (!seen.Add(target)) throw new NirFormatException($"{source}: edges do not form a chain: node \"{target}\" is reached twice (a cycle)");
                chain.Add(target);
            }
            if (next.ContainsKey(outputs[0])) throw new NirFormatException($"{source}: edges do not form a chain: the output \"{outputs[0]}\" has an outgoing edge");
            string? stray = graph.Nodes.Keys.FirstOrDefault(n => !seen.Contains(n));
            if (stray is not null) throw new NirFormatException($"{source}: node \"{stray}\" ({graph.Nodes[stray].Type}) is not on the chain from \"{inputs[0]}\" to \"{outputs[0]}\"");
            if (chain.Count < 3) throw new NirFormatException($"{source}: the graph has no node between \"{inputs[0]}\" and \"{outputs[0]}\"");
            return chain;
        }

        private void Conv(string name, NirNode node, bool nextIsConv)
        {
            RequireNoPending(name, node);
            float[] weight = Floats(name, node, "weight", out int[] wShape);
            if (wShape.Length != 4) throw Error(name, node, $"field \"weight\" has shape [{string.Join(", ", wShape)}], expected (Cout, Cin, K, K)");
            int cout = wShape[0], cin = wShape[1], kernel = wShape[2];
            if (Integers(name, node, "groups", 1).Any(g => g != 1)) throw Error(name, node, "field \"groups\" must be 1 (grouped convolutions are not supported)");
            if (node.Fields.ContainsKey("dilation") && Pair(name, node, "dilation") != 1) throw Error(name, node, "field \"dilation\" must be 1");
            if (IsDense(name, node, wShape))
            {
                // A convolution over the whole map (or 1x1 over a flat vector) is a dense layer: (out, C, H, W) weights
                // are (out, C*H*W) weights of the flattened map (what NirExporter writes with DenseAsConv).
                if (shape.Length == 3) { layers.Add(new SnnFlatten()); shape = [shape[0] * shape[1] * shape[2]]; }
                float[]? denseBias = node.Fields.ContainsKey("bias") ? Floats(name, node, "bias", out _) : null;
                if (denseBias is not null && denseBias.Length != cout) throw Error(name, node, $"field \"bias\" has {denseBias.Length} values, expected {cout}");
                if (Text(node.Metadata, NirMetadata.Bias) == "none") denseBias = null;
                Pending(name, node, new SnnLinear(shape[0], cout) { Weight = weight, Bias = denseBias, Spiking = true });
                return;
            }
            if (wShape[3] != kernel) throw Error(name, node, $"field \"weight\" has a {wShape[2]}x{wShape[3]} kernel; only square kernels (or one covering the whole map) are supported");
            if (shape.Length != 3 || shape[0] != cin)
                throw Error(name, node, $"expects {cin} input channels (weight shape [{string.Join(", ", wShape)}]) but receives [{string.Join(", ", shape)}]");
            int stride = Pair(name, node, "stride");
            int padding = Padding(name, node, kernel, stride);
            if (node.Fields.TryGetValue("input_shape", out NirValue? inputShape) && inputShape is NirIntegers dims && dims.Count == 2
                && (dims.Values[0] != shape[1] || dims.Values[1] != shape[2]))
                throw Error(name, node, $"field \"input_shape\" is [{dims.Values[0]}, {dims.Values[1]}] but the chain before it produces {shape[1]}x{shape[2]} maps");
            float[]? bias = node.Fields.ContainsKey("bias") ? Floats(name, node, "bias", out _) : null;
            if (bias is not null && bias.Length != cout) throw Error(name, node, $"field \"bias\" has {bias.Length} values, expected {cout}");

            bool identity = kernel == 1 && stride == 1 && padding == 0 && cin == cout && IsIdentity(weight, cout);
            if (nextIsConv && identity && shiftPad is null)
            {
                // An input shift (x - p) directly before a convolution: the next Conv2d pads with p (see NirExporter).
                shiftPad = bias is null ? new float[cin] : Array.ConvertAll(bias, b => -b);
                shiftName = name;
                return;
            }
            var conv = new SnnConv2d(cin, cout, kernel, stride, padding) { Weight = weight, Bias = bias, Spiking = true };
            if (Text(node.Metadata, NirMetadata.Bias) == "none") conv = conv with { Bias = null };
            if (shiftPad is { } pad)
            {
                if (padding == 0) throw Error(name, node, $"follows the input shift \"{shiftName}\" but has no padding; a shift only stands for pad values");
                if (pad.Length != cin) throw Error(name, node, $"follows the input shift \"{shiftName}\" of {pad.Length} channels but has {cin} input channels");
                float[]? exact = node.Metadata.TryGetValue(NirMetadata.PadValues, out NirValue? p) && p is NirFloats f && f.Values.Length == cin ? f.Values : null;
                float[]? exactBias = node.Metadata.TryGetValue(NirMetadata.BiasBeforeShift, out NirValue? b) && b is NirFloats fb && fb.Values.Length == cout ? fb.Values : null;
                conv = conv with { PadValues = exact ?? pad };
                // The stored bias has sum_k W * p folded in (b' = b + W p): take it back out, unless the exact one is in the metadata.
                conv = conv with { Bias = exactBias ?? (conv.Bias is null ? null : Unfold(conv with { Bias = Array.ConvertAll(conv.Bias, v => -v) }, exact ?? pad)) };
                shiftPad = null;
            }
            else if (nextIsConv) throw Error(name, node, "is followed directly by another Conv2d; two convolutions without neurons between are only read as an input shift (1x1 identity) and a convolution");
            Pending(name, node, conv);
        }

        // The weighted stage waiting for its neurons takes the k^2 of the sum poolings before it.
        private void Pending(string name, NirNode node, SynapticLayer layer)
        {
            pending = layer;
            pendingName = name;
            pendingNode = node;
            pendingFold = poolFold;
            poolFold = 1;
        }

        // True for a Conv2d without padding whose kernel covers the whole (C, H, W) input, or a 1x1 one on a flat input.
        private bool IsDense(string name, NirNode node, int[] wShape)
        {
            bool whole = shape.Length == 3 && wShape[1] == shape[0] && wShape[2] == shape[1] && wShape[3] == shape[2];
            bool flat = shape.Length == 1 && wShape[1] == shape[0] && wShape[2] == 1 && wShape[3] == 1;
            if (!whole && !flat) return false;
            if (node.Fields.TryGetValue("padding", out NirValue? p) && p is NirText { Values: ["valid"] }) return true;
            return !node.Fields.ContainsKey("padding") || Integers(name, node, "padding", 2).All(v => v == 0);
        }

        // b = b' - W p, written as -(( -b') + W p) so that NirExporter.FoldPadValues does the sum.
        private static float[] Unfold(SnnConv2d negated, float[] pad) => Array.ConvertAll(NirExporter.FoldPadValues(negated, pad), v => -v);

        private static bool IsIdentity(float[] weight, int channels)
        {
            for (int o = 0; o < channels; o++)
                for (int c = 0; c < channels; c++)
                    if (weight[o * channels + c] != (o == c ? 1f : 0f)) return false;
            return true;
        }

        private void Dense(string name, NirNode node)
        {
            RequireNoPending(name, node);
            float[] weight = Floats(name, node, "weight", out int[] wShape);
            if (wShape.Length != 2) throw Error(name, node, $"field \"weight\" has shape [{string.Join(", ", wShape)}], expected (out, in)");
            if (shape.Length != 1 || shape[0] != wShape[1])
                throw Error(name, node, $"expects {wShape[1]} inputs but receives [{string.Join(", ", shape)}]{(shape.Length == 1 ? "" : "; add a Flatten before it")}");
            float[]? bias = null;
            if (node.Type == "Affine")
            {
                bias = Floats(name, node, "bias", out _);
                if (bias.Length != wShape[0]) throw Error(name, node, $"field \"bias\" has {bias.Length} values, expected {wShape[0]}");
                if (Text(node.Metadata, NirMetadata.Bias) == "none") bias = null;
            }
            Pending(name, node, new SnnLinear(wShape[1], wShape[0]) { Weight = weight, Bias = bias, Spiking = true });
        }

        private void Neurons(string name, NirNode node, bool spiking)
        {
            if (pending is null)
                throw Error(name, node, "must follow a Conv2d, Affine or Linear node (SnnConvert's neurons receive the current of one weighted stage)");
            int channels = pending.OutputChannels;
            int[] outShape = pending.OutputShape(shape);
            float[] r = PerChannel(name, node, "r", channels, outShape, required: true)!;
            int bad = Array.FindIndex(r, v => !(v > 0 && float.IsFinite(v)));
            if (bad >= 0) throw Error(name, node, $"field \"r\" is {r[bad]} for channel {bad}; it must be positive and finite");
            // r scales the current (dv/dt = R I with dt = 1): fold it into the weights and bias of the stage.
            if (r.Any(v => v != 1f)) pending = Scaled(pending, r);
            float[] thresholds = [];
            double[]? channelFactor = null;
            if (spiking)
            {
                float[] vReset = PerChannel(name, node, "v_reset", channels, outShape, required: false) ?? [0f];
                int nonzero = Array.FindIndex(vReset, v => v != 0f);
                if (nonzero >= 0) throw Error(name, node, $"field \"v_reset\" is {vReset[nonzero]} for channel {nonzero}; SnnConvert resets to 0 (hard) or subtracts the threshold (soft)");
                thresholds = PerChannel(name, node, "v_threshold", channels, outShape, required: true)!;
                if (node.Metadata.TryGetValue(NirMetadata.OriginalThresholds, out NirValue? original))
                {
                    // NirExporter divided the stage by theta so that v_threshold is 1: multiply it back.
                    if (original is not NirFloats { Values: { } theta } || theta.Length != 1 && theta.Length != channels || !theta.All(v => v > 0 && float.IsFinite(v))
                        || !thresholds.All(v => v > 0))
                        throw Error(name, node, $"metadata \"{NirMetadata.OriginalThresholds}\" is {original.Describe()}, expected 1 or {channels} positive thresholds (and a positive v_threshold)");
                    var factor = new double[channels];
                    for (int c = 0; c < channels; c++) factor[c] = (double)theta[theta.Length == 1 ? 0 : c] / thresholds[thresholds.Length == 1 ? 0 : c];
                    channelFactor = factor;
                    thresholds = theta;
                }
                ResetMode mode = Text(node.Metadata, NirMetadata.Reset) switch
                {
                    null or "zero" => ResetMode.Hard,
                    "subtract" => ResetMode.Soft,
                    string other => throw Error(name, node, $"metadata \"{NirMetadata.Reset}\" is \"{other}\", expected subtract or zero"),
                };
                if (reset is { } earlier && earlier != mode)
                    throw Error(name, node, $"resets by {(mode == ResetMode.Soft ? "subtraction" : "zeroing")} but \"{resetNode}\" does not; SnnConvert uses one reset mode for the network");
                reset = mode;
                resetNode = name;
            }
            else if (node.Metadata.TryGetValue(NirMetadata.OriginalThresholds, out NirValue? t) && t is NirFloats kept)
                thresholds = kept.Values;
            if (thresholds.Length > 1 && thresholds.All(v => v == thresholds[0]) && Text(node.Metadata, NirMetadata.ThresholdGranularity) != "channel")
                thresholds = [thresholds[0]];
            bool last = IsLastWeighted(name);
            if (!spiking && !last) throw Error(name, node, "an integrator (I) is only supported after the last weighted node (the output layer)");
            // Our output layer is marked non-spiking in both readouts; an IF there means it spikes (spike-count readout).
            Finish(spiking && !last, thresholds, channelFactor);
            if (last) readout = spiking ? Readout.SpikeCount : Readout.Membrane;
        }

        // True when no further weighted node follows: then an IF node is the output layer (spike-count readout).
        private bool IsLastWeighted(string name)
        {
            string current = name;
            var next = graph.Edges.ToDictionary(e => e.Source, e => e.Target);
            while (next.TryGetValue(current, out string? target))
            {
                if (graph.Nodes[target].Type is "Conv2d" or "Affine" or "Linear") return false;
                current = target;
            }
            return true;
        }

        private void Finish(bool spiking, float[] thresholds, double[]? channelFactor)
        {
            SynapticLayer layer = pending! with { Thresholds = thresholds, Spiking = spiking };
            if (pendingFold != 1 || channelFactor is not null) layer = Rescaled(layer, pendingFold, channelFactor);
            layer = WithExactValues(layer);
            layers.Add(layer);
            shape = layer.OutputShape(shape);
            pending = null;
        }

        // The values NirExporter lists because multiplying back does not give them exactly.
        private SynapticLayer WithExactValues(SynapticLayer layer)
        {
            IReadOnlyDictionary<string, NirValue> meta = pendingNode!.Metadata;
            if (!meta.TryGetValue(NirMetadata.ExactIndex, out NirValue? indexValue)) return layer;
            int total = layer.Weight.Length + (layer.Bias?.Length ?? 0);
            if (indexValue is not NirIntegers { Values: { } index } || !meta.TryGetValue(NirMetadata.ExactValue, out NirValue? valueValue)
                || valueValue is not NirFloats { Values: { } values } || values.Length != index.Length || index.Any(i => i < 0 || i >= total))
                throw Error(pendingName, pendingNode, $"metadata \"{NirMetadata.ExactIndex}\" and \"{NirMetadata.ExactValue}\" must be equally long, with indices below {total}");
            float[] weight = (float[])layer.Weight.Clone();
            float[]? bias = (float[]?)layer.Bias?.Clone();
            for (int k = 0; k < index.Length; k++)
                if (index[k] < weight.Length) weight[index[k]] = values[k];
                else bias![index[k] - weight.Length] = values[k];
            return layer with { Weight = weight, Bias = bias };
        }

        // Weights times fold * factor[o], bias times factor[o], in double with one rounding (as NirExporter.Divide expects).
        private static SynapticLayer Rescaled(SynapticLayer layer, double fold, double[]? factor)
        {
            int channels = layer.OutputChannels, fanIn = layer.Weight.Length / channels;
            var weight = new float[layer.Weight.Length];
            for (int o = 0; o < channels; o++)
                for (int k = 0; k < fanIn; k++) weight[o * fanIn + k] = NirExporter.Restore(layer.Weight[o * fanIn + k], fold * (factor?[o] ?? 1));
            float[]? bias = layer.Bias is null ? null : layer.Bias.Select((b, o) => NirExporter.Restore(b, factor?[o] ?? 1)).ToArray();
            return layer with { Weight = weight, Bias = bias };
        }

        private static SynapticLayer Scaled(SynapticLayer layer, float[] r)
        {
            int channels = layer.OutputChannels, fanIn = layer.Weight.Length / channels;
            var weight = new float[layer.Weight.Length];
            for (int o = 0; o < channels; o++)
                for (int k = 0; k < fanIn; k++) weight[o * fanIn + k] = layer.Weight[o * fanIn + k] * r[r.Length == 1 ? 0 : o];
            float[]? bias = layer.Bias is null ? null : layer.Bias.Select((b, o) => b * r[r.Length == 1 ? 0 : o]).ToArray();
            return layer with { Weight = weight, Bias = bias };
        }

        private void Pool(string name, NirNode node, (string Name, NirNode Node)? scale)
        {
            RequireNoPending(name, node);
            int kernel = Pair(name, node, "kernel_size");
            int stride = node.Fields.ContainsKey("stride") ? Pair(name, node, "stride") : kernel;
            if (node.Fields.ContainsKey("padding") && Pair(name, node, "padding") != 0) throw Error(name, node, "field \"padding\" must be 0 (padded pooling is not supported)");
            if (shape.Length != 3) throw Error(name, node, $"pools 2-d maps but receives [{string.Join(", ", shape)}]");
            if (kernel <= 0 || stride <= 0) throw Error(name, node, $"kernel {kernel} and stride {stride} must be positive");
            if (scale is var (scaleName, scaleNode))
            {
                float[] s = Floats(scaleName, scaleNode, "scale", out _);
                float expected = 1f / (kernel * kernel);
                int off = Array.FindIndex(s, v => Math.Abs(v - expected) > 1e-6f * expected);
                if (off >= 0) throw Error(scaleName, scaleNode, $"field \"scale\" is {s[off]} at index {off}; after a {kernel}x{kernel} SumPool2d only 1/{kernel * kernel} (average pooling) is supported");
            }
            if (scale is null && node.Type == "SumPool2d") { poolFold *= kernel * kernel; poolName = name; }
            var pool = new SnnAvgPool2d(kernel, stride);
            try { shape = pool.OutputShape(shape); }
            catch (ArgumentException e) { throw Error(name, node, e.Message); }
            layers.Add(pool);
        }

        private void Flatten(string name, NirNode node)
        {
            RequireNoPending(name, node);
            long start = Integers(name, node, "start_dim", 1)[0], end = Integers(name, node, "end_dim", 1)[0];
            int rank = shape.Length;
            if (start < 0) start += rank;
            if (end < 0) end += rank;
            if (start != 0 || end != rank - 1)
                throw Error(name, node, $"flattens axes {start}..{end} of the per-sample shape [{string.Join(", ", shape)}]; only flattening everything (start_dim 0, end_dim -1) is supported");
            if (rank == 1) return;   // already flat
            var flatten = new SnnFlatten();
            shape = flatten.OutputShape(shape);
            layers.Add(flatten);
        }

        private void RequireNoPending(string name, NirNode node)
        {
            if (pending is not null)
                throw Error(name, node, $"follows the weighted node \"{pendingName}\" directly; SnnConvert needs IF neurons (or, for the output, an integrator) after each Conv2d, Affine or Linear");
        }

        /// <summary>A neuron parameter as one value per channel (or one value), from a full (C, H, W) / (F) array, (C) or a scalar.</summary>
        private float[]? PerChannel(string name, NirNode node, string field, int channels, int[] outShape, bool required)
        {
            if (!node.Fields.ContainsKey(field))
            {
                if (required) throw Error(name, node, $"field \"{field}\" is missing");
                return null;
            }
            float[] values = Floats(name, node, field, out int[] fieldShape);
            long full = outShape.Aggregate(1L, (a, b) => a * b);
            if (values.Length == 1 || values.Length == channels && values.Length != full) return values;
            if (values.Length != full)
                throw Error(name, node, $"field \"{field}\" has shape [{string.Join(", ", fieldShape)}], expected the layer's shape [{string.Join(", ", outShape)}], [{channels}] or a scalar");
            int size = (int)(full / channels);
            var perChannel = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                perChannel[c] = values[c * size];
                for (int i = 1; i < size; i++)
                    if (values[c * size + i] != perChannel[c])
                        throw Error(name, node, $"field \"{field}\" differs within channel {c} ({perChannel[c]} at position 0, {values[c * size + i]} at {i}); SnnConvert's neurons share one value per channel");
            }
            return perChannel;
        }

        private float[] Floats(string name, NirNode node, string field, out int[] fieldShape)
        {
            if (!node.Fields.TryGetValue(field, out NirValue? value)) throw Error(name, node, $"field \"{field}\" is missing");
            fieldShape = value.Shape;
            float[] values = value switch
            {
                NirFloats f => f.Values,
                NirIntegers i => Array.ConvertAll(i.Values, v => (float)v),
                _ => throw Error(name, node, $"field \"{field}\" is {value.Describe()}, expected numbers"),
            };
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0) throw Error(name, node, $"field \"{field}\" has a non-finite value ({values[bad]}) at index {bad}");
            return values;
        }

        private long[] Integers(string name, NirNode node, string field, int maxCount)
        {
            if (!node.Fields.TryGetValue(field, out NirValue? value)) throw Error(name, node, $"field \"{field}\" is missing");
            long[] values = value switch
            {
                NirIntegers i => i.Values,
                NirFloats f when f.Values.All(v => v == MathF.Round(v)) => Array.ConvertAll(f.Values, v => (long)v),
                _ => throw Error(name, node, $"field \"{field}\" is {value.Describe()}, expected integers"),
            };
            if (values.Length == 0 || values.Length > maxCount) throw Error(name, node, $"field \"{field}\" has {values.Length} values, expected 1 to {maxCount}");
            return values;
        }

        /// <summary>A 2-d parameter given as one integer or an equal pair (SnnConvert's kernels, strides and paddings are square).</summary>
        private int Pair(string name, NirNode node, string field)
        {
            long[] v = Integers(name, node, field, 2);
            if (v.Length == 2 && v[0] != v[1]) throw Error(name, node, $"field \"{field}\" is [{v[0]}, {v[1]}]; only equal values along height and width are supported");
            if (v[0] < 0 || v[0] > int.MaxValue) throw Error(name, node, $"field \"{field}\" is {v[0]}, expected a non-negative integer");
            return (int)v[0];
        }

        private int Padding(string name, NirNode node, int kernel, int stride)
        {
            if (node.Fields.TryGetValue("padding", out NirValue? value) && value is NirText text)
                return text.Values.FirstOrDefault() switch
                {
                    "valid" => 0,
                    "same" when stride == 1 && kernel % 2 == 1 => kernel / 2,
                    string other => throw Error(name, node, $"field \"padding\" is \"{other}\"; supported: integers, \"valid\", and \"same\" with stride 1 and an odd kernel"),
                    null => throw Error(name, node, "field \"padding\" is empty"),
                };
            return Pair(name, node, "padding");
        }

        private int[] ShapeField(string name, NirNode node, string field, string older)
        {
            string key = node.Fields.ContainsKey(field) ? field : node.Fields.ContainsKey(older) ? older : field;
            long[] values = Integers(name, node, key, 8);
            if (values.Any(v => v <= 0 || v > int.MaxValue)) throw Error(name, node, $"field \"{key}\" is [{string.Join(", ", values)}], expected positive sizes");
            return Array.ConvertAll(values, v => (int)v);
        }

        private static string? Text(IReadOnlyDictionary<string, NirValue> metadata, string key) =>
            metadata.TryGetValue(key, out NirValue? value) && value is NirText { Values.Length: 1 } text ? text.Values[0] : null;

        private NirFormatException Error(string name, NirNode node, string message) => new($"{source}: node \"{name}\" ({node.Type}): {message}");
    }
}
