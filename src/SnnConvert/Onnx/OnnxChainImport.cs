using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Onnx.Proto;

namespace SnnConvert.Onnx;

/// <summary>
/// Walks an ONNX graph from its image input to its output and maps each node to SnnConvert layers, tracking the
/// per-sample shape (C, H, W) or (F) of every activation on the way (the shape inference of the supported operators).
/// The graph must be a chain: each activation is read by exactly one node (Shape nodes that only measure it aside).
/// Every node must be used: on the chain, as a constant, or in a shape computation; anything else is refused
/// with the node's name, operator type and the reason.
/// </summary>
internal sealed class OnnxChainImport
{
    /// <summary>Operators the importer maps, listed in error messages.</summary>
    public const string SupportedOperators = "Conv, Relu, Clip(min 0), AveragePool, MaxPool, GlobalAveragePool, BatchNormalization, Gemm, MatMul, Add of a constant bias after Conv/Gemm/MatMul, " +
        "Flatten, Reshape to (N, -1), Transpose [0, 2, 3, 1] before Flatten and a dense layer (Keras), an NHWC input's Transpose or Reshape to (N, C, H, W), Dropout, Identity, Constant, " +
        "Pad with zero pads, Sub/Div/Mul/Add by constants as input normalisation, the QCFS activation (Div, Clip(0, 1), Mul, Add 1/2, Floor, Div, Mul, or the Clip after Floor), and a final Softmax/LogSoftmax (dropped)";

    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, int[]> _shapes = new();   // per-sample shape of each activation reached
    private readonly OnnxShapeValues _shapeValues;
    private readonly HashSet<OnnxNode> _chain = [];
    private readonly HashSet<OnnxNode> _constantReaders = [];      // Identity nodes that only alias a constant
    private readonly List<ImportedLayer> _layers = [];
    private readonly List<string> _notes = [];
    private readonly OnnxInputScaling? _inputScaling;
    private double[]? _normScale, _normShift;                      // pending input normalisation y = scale[c] x + shift[c]
    private string? _normWhere;                                    // the last node (or the input options) that set it, for messages
    private bool _normalisationClosed;
    private NhwcFlatten? _nhwc;                                    // pending Keras NHWC flatten, until its dense layer reorders its inputs
    private int[] _inputShape = [];                                // the network's (C, H, W) input
    private OnnxNode? _inputLayout;                                // the Transpose or Reshape that turns the declared input into (N, C, H, W)
    private bool _inputLayoutPassed;
    private bool _channelsLast;                                    // the declared input is (N, H, W, C)

    private OnnxChainImport(OnnxGraph graph, OnnxInputScaling? input)
    {
        _graph = graph;
        _shapeValues = new OnnxShapeValues(graph, _shapes);
        _inputScaling = input;
    }

    /// <summary>The layers of <paramref name="graph"/> in order, the network's input shape (C, H, W) and notes on what the import changed.</summary>
    /// <param name="graph">The indexed graph.</param>
    /// <param name="input">Preprocessing outside the graph, folded into the input normalisation; null for none.</param>
    /// <exception cref="OnnxFormatException">The graph is not a chain of supported operators.</exception>
    public static (IReadOnlyList<ImportedLayer> Layers, int[] InputShape, IReadOnlyList<string> Notes) Run(OnnxGraph graph, OnnxInputScaling? input = null)
    {
        var import = new OnnxChainImport(graph, input);
        IReadOnlyList<ImportedLayer> layers = import.Walk();
        return (layers, import._inputShape, import._notes);
    }

    private string Source => _graph.Source;

    private IReadOnlyList<ImportedLayer> Walk()
    {
        string current = _graph.Input;
        int[] shape = _graph.InputShape;
        _shapes[current] = shape;
        _inputShape = InputLayout();
        if (_inputScaling is { IsIdentity: false })
        {
            (_normScale, _normShift) = _inputScaling.Affine(_inputShape[0]);
            _normWhere = $"the input scaling ({SettingReference.To(SettingNames.InputScale)}, {SettingReference.To(SettingNames.InputMean)}, {SettingReference.To(SettingNames.InputStd)})";
        }
        OnnxNode? previous = null;
        while (true)
        {
            // Shape nodes only read the activation's dimensions (for a later Reshape), so they do not branch the data flow.
            List<OnnxNode> readers = _graph.Consumers(current).Where(n => n.Op != "Shape").ToList();
            string from = previous is null ? $"the input \"{current}\"" : $"{previous.Describe}";
            if (current == _graph.Output)
            {
                if (readers.Count > 0)
                    throw new OnnxFormatException($"{Source}: branch at {from}: its output \"{current}\" is the graph output and also feeds {readers[0].Describe}; only a chain of layers is imported");
                break;
            }
            if (readers.Count == 0)
                throw new OnnxFormatException($"{Source}: the chain ends at {from}: its output \"{current}\" is read by no node and is not the graph output \"{_graph.Output}\"");
            if (readers.Count > 1)
                throw new OnnxFormatException($"{Source}: branch at {from}: its output \"{current}\" feeds {string.Join(" and ", readers.Select(r => r.Describe))}; " +
                    "only a chain of layers is imported (no residual connections or parallel paths)");
            OnnxNode node = readers[0];
            if (!_chain.Add(node)) throw node.Error("is reached twice; the graph has a cycle");
            if (node.Proto.Domain is not ("" or "ai.onnx"))
                throw node.Error($"operator domain \"{node.Proto.Domain}\" is not the standard ONNX domain; custom operators are not imported");
            int slot = node.Proto.Input.IndexOf(current);
            if (node.Proto.Input.Count(i => i == current) > 1) throw node.Error($"reads the activation \"{current}\" twice; only constants may be its other inputs");
            (current, shape) = Map(node, slot, shape);
            _shapes[current] = shape;
            previous = node;
        }
        if (_nhwc is not null) throw _nhwc.Refusal($"the chain ends at the graph output \"{current}\"");
        if (shape.Length != 1)
            throw new OnnxFormatException($"{Source}: the output \"{current}\" has per-sample shape {Tensors.Tensor.ShapeToText(shape)}; " +
                "expected class scores (N, K): end the model with Gemm or MatMul after Flatten");
        CheckDeclaredOutput(shape[0]);
        foreach (OnnxNode node in _graph.Nodes)
        {
            if (_chain.Contains(node) || _shapeValues.Used.Contains(node) || _constantReaders.Contains(node) || node.Op == "Constant" || _graph.IsAccountedFor(node)) continue;
            throw node.Error("is not on the chain from the input to the output (a side branch or an unused computation); only a chain of layers is imported");
        }
        return _layers;
    }

    // Maps one node whose input `slot` is the activation of per-sample shape `shape`; returns its output and that output's shape.
    private (string Output, int[] Shape) Map(OnnxNode node, int slot, int[] shape)
    {
        bool inputPrefix = !_normalisationClosed && (node.Op is "Sub" or "Div" or "Mul" or "Add" || node == _inputLayout);
        if (!inputPrefix && node.Op is not ("Identity" or "Dropout")) CloseNormalisation();
        _nhwc?.Continue(node);
        // After the first layer, scalings, a shift and Floor are read only as a QCFS activation, and so are bounds that lead to Floor.
        if (_normalisationClosed && OnnxQcfsPattern.Starts(_graph, node)) return Qcfs(node, slot, shape);
        switch (node.Op)
        {
            case "Sub":
            case "Div":
            case "Mul" when !_normalisationClosed:
            case "Add" when !_normalisationClosed:
                return Normalisation(node, slot, shape);
            case "Conv":
                return Conv(node, slot, shape);
            case "Clip":
                ClipAsRelu(node, slot);
                Add(node, new ReluSpec());
                return (Output(node), shape);
            case "Relu":
                node.RequireKnownAttributes();
                RequireSlot(node, slot);
                Add(node, new ReluSpec());
                return (Output(node), shape);
            case "AveragePool":
            case "MaxPool":
                return Pool(node, slot, shape);
            case "GlobalAveragePool":
                node.RequireKnownAttributes();
                RequireSlot(node, slot);
                RequireRank(node, shape, 3, "(N, C, H, W)");
                if (shape[1] != shape[2]) throw node.Error($"input is {shape[1]}x{shape[2]}; global average pooling is imported only for square maps (as average pooling with kernel H = W)");
                return (Output(node), AddWithShape(node, new AvgPool2dSpec(shape[1]), shape));
            case "BatchNormalization":
                return BatchNorm(node, slot, shape);
            case "Gemm":
                return Gemm(node, slot, shape);
            case "MatMul":
                return MatMul(node, slot, shape);
            case "Flatten":
            {
                node.RequireKnownAttributes("axis");
                RequireSlot(node, slot);
                long axis = node.Int("axis", 1);
                if (axis < 0) axis += shape.Length + 1;
                if (axis != 1) throw node.Error($"axis {node.Int("axis", 1)} would flatten into the batch dimension; only axis 1 (keep N, flatten the rest) is imported");
                return (Output(node), Flatten(node, shape));
            }
            case "Reshape" when node == _inputLayout:
            case "Transpose" when node == _inputLayout:
                RequireSlot(node, slot);
                node.RequireKnownAttributes("perm", "allowzero");
                _inputLayoutPassed = true;
                return (Output(node), _inputShape);
            case "Reshape":
                return Reshape(node, slot, shape);
            case "Dropout":
            {
                node.RequireKnownAttributes("ratio", "seed", "is_test");
                RequireSlot(node, slot);
                node.RequireAtMostInputs(3);
                // A Dropout is the identity at inference; an exported training_mode (or the is_test 0 of files before opset 7) must say so.
                if (node.Int("is_test", 1) == 0) throw node.Error("is_test is 0 (training mode); export the model in evaluation mode");
                if (node.Input(2) is not null)
                {
                    TensorProto mode = ConstantInput(node, 2, "training_mode");
                    if (OnnxTensorData.Bools(mode, Where(node, "training_mode", mode)).Any(b => b))
                        throw node.Error($"training_mode \"{mode.Name}\" is true; export the model in evaluation mode");
                }
                return (Output(node), shape);
            }
            case "Identity":
                node.RequireKnownAttributes();
                return (Output(node), shape);
            case "Pad":
                return ZeroPad(node, slot, shape);
            case "Add":
                throw node.Error("Add is imported only as a constant bias right after a Conv, Gemm or MatMul, or as input normalisation before the first layer; a sum of two activations (residual connection) or a shift of a later activation is not supported");
            case "Softmax":
            case "LogSoftmax":
                return FinalSoftmax(node, slot, shape);
            case "Mul":
                throw node.Error($"operator Mul is not supported after the first layer; the importer reads {SupportedOperators} (a scaling by a constant is input normalisation only before the first layer)");
            case "Transpose":
                RequireSlot(node, slot);
                _nhwc = NhwcFlatten.Start(node, shape);
                return (Output(node), _nhwc.Nhwc);
            default:
                throw node.Error($"operator {node.Op} is not supported; the importer reads {SupportedOperators}");
        }
    }

    // The network's (C, H, W) input. A declared (C, H, W) stays; an NHWC input (Keras, tf2onnx) is read through the node
    // that makes it NCHW, after any input normalisation: a Transpose perm [0, 3, 1, 2] of (H, W, C), or a Reshape to
    // (N, C, H, W) that only adds or drops axes of size 1 (a (H, W, 1) or (H, W) image, or a flat (H·W) one with C = 1),
    // so the pixels keep their order. That node then passes the image through unchanged.
    private int[] InputLayout()
    {
        int[] declared = _graph.InputShape;
        string current = _graph.Input;
        for (int step = 0; step < _graph.Nodes.Count; step++)
        {
            List<OnnxNode> readers = _graph.Consumers(current).Where(n => n.Op != "Shape").ToList();
            if (readers.Count != 1 || readers[0].Proto.Output.Count == 0) break;
            OnnxNode node = readers[0];
            if (node.Op is "Sub" or "Div" or "Mul" or "Add" or "Identity" or "Dropout")
            {
                current = node.Proto.Output[0];
                continue;
            }
            if (node.Op == "Transpose" && declared.Length == 3 && node.Ints("perm") is { } perm && perm.SequenceEqual([0L, 3, 1, 2]))
            {
                _inputLayout = node;
                _channelsLast = true;
                return [declared[2], declared[0], declared[1]];
            }
            if (node.Op == "Reshape" && node.Input(1) is { } target && ReshapedInput(node, target, declared) is { } chw)
            {
                _inputLayout = node;
                return chw;
            }
            break;
        }
        if (declared.Length != 3)
            throw new OnnxFormatException($"{Source}: input \"{_graph.Input}\" has rank {declared.Length + 1} ({_graph.InputText}); expected an image batch of rank 4 (N, C, H, W), " +
                "or an (N, H, W, C) input followed by a Transpose perm [0, 3, 1, 2], or an input that a Reshape turns into (N, C, H, W) without reordering pixels");
        return declared;
    }

    // The per-sample (C, H, W) of a Reshape of the input to rank 4, when it keeps the pixel order; null when it is not such a Reshape.
    private int[]? ReshapedInput(OnnxNode node, string target, int[] declared)
    {
        long?[] entries = _shapeValues.Evaluate(target, node).Entries;
        if (entries.Length != 4) return null;
        long total = declared.Aggregate(1L, (a, d) => a * d), known = 1;
        int inferred = -1;
        var dims = new long[3];
        for (int i = 0; i < 3; i++)
        {
            long? d = entries[i + 1];
            if (d == -1 && inferred < 0) { inferred = i; continue; }
            if (d is not (> 0 and <= 1 << 20)) throw node.Error($"reshapes the input to [{string.Join(", ", entries.Select(e => e?.ToString() ?? "N"))}]; the image dimensions must be fixed positive numbers");
            dims[i] = d.Value;
            known *= d.Value;
        }
        if (inferred >= 0) dims[inferred] = total / known;
        if (dims.Aggregate(1L, (a, d) => a * d) != total)
            throw node.Error($"reshapes the per-sample input {Tensors.Tensor.ShapeToText(declared)} to {OnnxTensorData.Text(dims)}: the sizes differ");
        bool sameAxes = declared.Where(d => d != 1).Select(d => (long)d).SequenceEqual(dims.Where(d => d != 1));
        bool flatGrey = declared.Length == 1 && dims[0] == 1;
        if (!sameAxes && !flatGrey)
            throw node.Error($"reshapes the per-sample input {Tensors.Tensor.ShapeToText(declared)} to {OnnxTensorData.Text(dims)}, which reorders the pixels " +
                "(an (H, W, C) image read as (C, H, W)); only a reshape that adds or drops axes of size 1 is imported (use a Transpose for NHWC inputs)");
        return dims.Select(d => (int)d).ToArray();
    }

    // Sub/Div/Mul/Add by per-channel constants before the first layer compose into one affine map (after the input
    // options' map, if any), recorded as NormalizeSpec.
    private (string, int[]) Normalisation(OnnxNode node, int slot, int[] shape)
    {
        if (_normalisationClosed)
            throw node.Error($"{node.Op} is imported only as input normalisation before the first layer ((x - mean) / std); here it follows other layers");
        node.RequireKnownAttributes();
        node.RequireAtMostInputs(2);
        bool commutative = node.Op is "Mul" or "Add";
        if (slot != 0 && !commutative) throw node.Error($"the activation must be the first input ({(node.Op == "Sub" ? "x - mean" : "x / std")}); a constant first is not input normalisation");
        if (node.Proto.Input.Count != 2) throw node.Error("expected the activation and one constant");
        int channels = _inputShape[0];
        // Before the input's Transpose the constant is laid out channels-last; before its Reshape only a scalar is per channel.
        Layout layout = _inputLayout is null || _inputLayoutPassed ? Layout.ChannelsFirst : _channelsLast ? Layout.ChannelsLast : Layout.Scalar;
        if (layout == Layout.ChannelsFirst) RequireRank(node, shape, 3, "(N, C, H, W)");
        float[] value = PerChannel(node, 1 - slot, channels, layout);
        _normScale ??= Enumerable.Repeat(1.0, channels).ToArray();
        _normShift ??= new double[channels];
        for (int c = 0; c < channels; c++)
        {
            switch (node.Op)
            {
                case "Sub":
                    _normShift[c] -= value[c];
                    break;
                case "Add":
                    _normShift[c] += value[c];
                    break;
                case "Mul":
                    _normScale[c] *= value[c];
                    _normShift[c] *= value[c];
                    break;
                default:
                    if (value[c] == 0f) throw node.Error($"divides channel {c} by zero");
                    _normScale[c] /= value[c];
                    _normShift[c] /= value[c];
                    break;
            }
        }
        _normWhere = node.Describe;
        return (Output(node), shape);
    }

    private void CloseNormalisation()
    {
        if (_normalisationClosed) return;
        _normalisationClosed = true;
        if (_inputLayout is not null && !_inputLayoutPassed)
            throw _inputLayout.Error("the input's layout change must come before the first layer");
        if (_normScale is null || _normShift is null || _normWhere is null) return;
        int channels = _normScale.Length;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            if (!(_normScale[c] > 0))
                throw new OnnxFormatException($"{Source}: {_normWhere}: the input normalisation scales channel {c} by {_normScale[c]}; only a division by a positive std is imported");
            mean[c] = (float)(-_normShift[c] / _normScale[c]) + 0f;   // + 0 turns -0 into 0
            std[c] = (float)(1.0 / _normScale[c]);
        }
        if (mean.All(m => m == 0f) && std.All(v => v == 1f)) return;
        _layers.Add(new ImportedLayer(new NormalizeSpec(mean, std), new Dictionary<string, float[]>(), _normWhere));
    }

    // The QCFS activation written in standard operators (OnnxQcfsPattern): one layer with its thresholds from the graph.
    private (string, int[]) Qcfs(OnnxNode node, int slot, int[] shape)
    {
        var (spec, lambda, nodes, output) = OnnxQcfsPattern.Read(_graph, ConstantOrNull, node, node.Proto.Input[slot], shape);
        foreach (OnnxNode n in nodes) _chain.Add(n);
        return (output, AddWithShape(node, spec, shape, new Dictionary<string, float[]> { ["threshold"] = lambda }));
    }

    // The value of a constant input (through Identity aliases, which are then accounted for), or null for an activation.
    private TensorProto? ConstantOrNull(string name)
    {
        string source = name;
        while (_graph.Constant(source) is null && _graph.Producer(source) is { Op: "Identity" } identity && identity.Input(0) is { } input) source = input;
        return _graph.Constant(source) is null ? null : _graph.Constant(ResolveConstantName(name));
    }

    // Clip(min 0) without an upper bound is ReLU; opsets before 11 give min and max as attributes, later ones as inputs.
    private void ClipAsRelu(OnnxNode node, int slot)
    {
        node.RequireKnownAttributes("min", "max");
        node.RequireAtMostInputs(3);
        RequireSlot(node, slot);
        float min = node.Float("min", float.MinValue), max = node.Float("max", float.MaxValue);
        if (node.Input(1) is not null) min = Scalar(node, 1, "min");
        if (node.Input(2) is not null) max = Scalar(node, 2, "max");
        if (min != 0f || max < float.MaxValue)
            throw node.Error($"Clip to [{min}, {max}] is not supported; only Clip with min 0 and no max (ReLU) is imported, a bounded activation such as ReLU6 has no integrate-and-fire equivalent here");
    }

    private float Scalar(OnnxNode node, int input, string role)
    {
        TensorProto t = ConstantInput(node, input, role);
        float[] values = OnnxTensorData.Floats(t, Where(node, role, t));
        return values.Length == 1 ? values[0] : throw node.Error($"{role} has shape {OnnxTensorData.Text(t.Dims)}, expected a scalar");
    }

    // A Softmax or LogSoftmax over the class scores as the last node only rescales them monotonically: the arg-max,
    // and so every prediction, is the same without it, and conversion needs the scores (logits).
    private (string, int[]) FinalSoftmax(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("axis");
        RequireSlot(node, slot);
        RequireFeatures(node, shape);
        // Before opset 13 the input is coerced to 2-D at axis (default 1); from 13 axis is the one dimension (default -1). On (N, K) both mean K for 1 or -1.
        long axis = node.Int("axis", _graph.Opset < 13 ? 1 : -1);
        if (axis is not (1 or -1)) throw node.Error($"axis {axis} does not run over the class scores of an (N, K) tensor");
        string output = Output(node);
        if (!LeadsToOutput(output))
            throw node.Error($"operator {node.Op} is imported only as the last node (before the graph output), where it is dropped; here more nodes follow");
        _notes.Add($"{node.Describe}: the final {node.Op} is dropped: the imported model outputs its input, the class scores; the arg-max, and so every prediction, is unchanged");
        return (output, shape);
    }

    // Whether `name` is the graph output or reaches it through Identity nodes only.
    private bool LeadsToOutput(string name)
    {
        for (int step = 0; step <= _graph.Nodes.Count; step++)
        {
            if (name == _graph.Output) return true;
            var readers = _graph.Consumers(name).Where(n => n.Op != "Shape").ToList();
            if (readers.Count != 1 || readers[0].Op != "Identity" || readers[0].Proto.Output.Count == 0) return false;
            name = readers[0].Proto.Output[0];
        }
        return false;
    }

    // The Add of a constant that directly follows a conv or dense layer (CNTK writes every bias so): its values as one
    // per output channel, and the Add, or null when the output does not feed such an Add.
    private (float[] Values, OnnxNode Add)? BiasAdd(string output, int channels, bool image)
    {
        if (output == _graph.Output) return null;
        var readers = _graph.Consumers(output).Where(n => n.Op != "Shape").ToList();
        if (readers.Count != 1 || readers[0].Op != "Add" || readers[0].Proto.Input.Count != 2) return null;
        OnnxNode add = readers[0];
        int biasSlot = add.Proto.Input[0] == output && add.Proto.Input[1] != output ? 1 : add.Proto.Input[1] == output && add.Proto.Input[0] != output ? 0 : -1;
        if (biasSlot < 0 || _graph.Constant(ResolveConstantName(add.Proto.Input[biasSlot])) is null) return null;
        // An Add that feeds Floor is the shift of a QCFS activation whose scaling is 1 (lambda = L), not a bias.
        if (add.Proto.Output.Count == 1 && _graph.Consumers(add.Proto.Output[0]) is [{ Op: "Floor" }]) return null;
        add.RequireKnownAttributes();
        float[] values = image ? PerChannel(add, biasSlot, channels, Layout.ChannelsFirst, "bias") : Bias(add, biasSlot, channels);
        _chain.Add(add);
        return (values, add);
    }

    private static void AddInto(Dictionary<string, float[]> tensors, float[] bias)
    {
        float[] sum = tensors.TryGetValue("bias", out float[]? existing) ? existing.Zip(bias, (a, b) => a + b).ToArray() : bias;
        tensors["bias"] = sum;
    }

    private (string, int[]) Conv(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        node.RequireAtMostInputs(3);
        RequireSlot(node, slot);
        RequireRank(node, shape, 3, "(N, C, H, W)");
        if (node.Int("group", 1) != 1) throw node.Error($"group {node.Int("group", 1)} (a grouped or depthwise convolution) is not supported; only group 1");
        TensorProto wTensor = ConstantInput(node, 1, "weight");
        long[] w = OnnxTensorData.Dims(wTensor, Where(node, "weight", wTensor));
        if (w.Length != 4) throw node.Error($"weight has shape {OnnxTensorData.Text(w)}; a 2-D convolution needs (Cout, Cin, kH, kW)");
        if (w[1] != shape[0]) throw node.Error($"weight has {w[1]} input channels but the input has {shape[0]}");
        if (w[2] != w[3]) throw node.Error($"kernel {w[2]}x{w[3]} is not square; only square kernels are imported");
        int outChannels = (int)w[0], kernel = (int)w[2];
        if (node.Ints("kernel_shape") is { } ks && !ks.SequenceEqual([w[2], w[3]]))
            throw node.Error($"kernel_shape {OnnxTensorData.Text(ks)} does not match the weight's {w[2]}x{w[3]}");
        if (node.Ints("dilations") is { } dilations && dilations.Any(d => d != 1))
            throw node.Error($"dilations {OnnxTensorData.Text(dilations)} are not supported; only 1");
        int stride = SquareStride(node);
        int padding = ConvPadding(node, shape, kernel, stride);
        float[] weight = OnnxTensorData.Floats(wTensor, Where(node, "weight", wTensor));
        var tensors = new Dictionary<string, float[]> { ["weight"] = weight };
        if (node.Input(2) is not null) tensors["bias"] = Bias(node, 2, outChannels);
        string output = Output(node);
        if (BiasAdd(output, outChannels, image: true) is { } add)
        {
            AddInto(tensors, add.Values);
            output = Output(add.Add);
        }
        var spec = new Conv2dSpec(shape[0], outChannels, kernel, stride, padding, Bias: tensors.ContainsKey("bias"));
        return (output, AddWithShape(node, spec, shape, tensors));
    }

    // ONNX pads are [top, left, bottom, right]; Conv2dSpec has one padding for all four sides.
    private static int ConvPadding(OnnxNode node, int[] shape, int kernel, int stride)
    {
        string autoPad = node.Text("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                long[] pads = node.Ints("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4 || pads.Any(p => p != pads[0]) || pads[0] < 0)
                    throw node.Error($"pads {OnnxTensorData.Text(pads)} are not the same on all four sides; only symmetric padding equal on both axes is imported");
                return (int)pads[0];
            case "VALID":
                return 0;
            case "SAME_UPPER":
            case "SAME_LOWER":
            {
                // Output ceil(H / stride); the total padding must split evenly so both sides get the same.
                int[] totals = shape[1..].Select(size => Math.Max(((size + stride - 1) / stride - 1) * stride + kernel - size, 0)).ToArray();
                if (totals[0] != totals[1] || totals[0] % 2 != 0)
                    throw node.Error($"auto_pad {autoPad} needs padding {totals[0]} (rows) and {totals[1]} (columns), which cannot be split equally on both sides");
                return totals[0] / 2;
            }
            default:
                throw node.Error($"auto_pad \"{autoPad}\" is not a known value");
        }
    }

    private static int SquareStride(OnnxNode node)
    {
        long[] strides = node.Ints("strides") ?? [1, 1];
        if (strides.Length != 2 || strides[0] != strides[1] || strides[0] <= 0)
            throw node.Error($"strides {OnnxTensorData.Text(strides)} differ between the axes; only equal strides are imported");
        return (int)strides[0];
    }

    private (string, int[]) Pool(OnnxNode node, int slot, int[] shape)
    {
        bool max = node.Op == "MaxPool";
        node.RequireKnownAttributes(max
            ? ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
            : ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides", "dilations"]);
        RequireSlot(node, slot);
        RequireRank(node, shape, 3, "(N, C, H, W)");
        long[] k = node.Ints("kernel_shape") ?? throw node.Error("kernel_shape is missing");
        if (k.Length != 2 || k[0] != k[1] || k[0] <= 0) throw node.Error($"kernel_shape {OnnxTensorData.Text(k)} is not a square 2-D window");
        int kernel = (int)k[0], stride = SquareStride(node);
        string autoPad = node.Text("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            // Keras writes padding='same' pooling; where the windows tile the input the padding it works out to is zero.
            int[] totals = shape[1..].Select(size => Math.Max(((size + stride - 1) / stride - 1) * stride + kernel - size, 0)).ToArray();
            if (totals.Any(t => t != 0))
                throw node.Error($"auto_pad {autoPad} pads a {shape[1]}x{shape[2]} input by {totals[0]} rows and {totals[1]} columns for kernel {kernel}, stride {stride}; pooling is imported without padding");
        }
        else if (autoPad is not ("NOTSET" or "VALID"))
            throw node.Error($"auto_pad {autoPad} is not a known value; pooling is imported without padding");
        if (node.Ints("pads") is { } pads && pads.Any(p => p != 0))
            throw node.Error($"pads {OnnxTensorData.Text(pads)} are not supported: SnnConvert pools without padding" +
                (max ? "" : " (and padded average pooling depends on count_include_pad)"));
        if (node.Ints("dilations") is { } dilations && dilations.Any(d => d != 1))
            throw node.Error($"dilations {OnnxTensorData.Text(dilations)} are not supported; only 1");
        if (kernel > shape[1] || kernel > shape[2]) throw node.Error($"kernel {kernel} is larger than the {shape[1]}x{shape[2]} input");
        // ceil_mode rounds the output size up; it changes nothing when the windows tile the input exactly.
        if (node.Int("ceil_mode", 0) != 0 && ((shape[1] - kernel) % stride != 0 || (shape[2] - kernel) % stride != 0))
            throw node.Error($"ceil_mode 1 adds a partial window on a {shape[1]}x{shape[2]} input with kernel {kernel} and stride {stride}; only floor rounding is imported");
        if (max && node.Proto.Output.Count > 1) RequireUnused(node, 1);
        // Stride 0 means "the kernel size" in the specs, as the zoo writes non-overlapping pooling.
        int specStride = stride == kernel ? 0 : stride;
        LayerSpec spec = max ? new MaxPool2dSpec(kernel, specStride) : new AvgPool2dSpec(kernel, specStride);
        return (Output(node), AddWithShape(node, spec, shape));
    }

    private (string, int[]) BatchNorm(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs");
        node.RequireAtMostInputs(5);
        RequireSlot(node, slot);
        if (node.Int("training_mode", 0) != 0) throw node.Error("training_mode is 1; export the model in evaluation mode (running statistics)");
        if (node.Int("is_test", 1) == 0) throw node.Error("is_test is 0 (batch statistics, training mode); export the model in evaluation mode (running statistics)");
        if (node.Int("spatial", 1) != 1) throw node.Error("spatial 0 (statistics per position) is not supported");
        int channels = shape.Length is 3 or 1 ? shape[0] : throw node.Error($"input has per-sample shape {Tensors.Tensor.ShapeToText(shape)}; batch norm is imported for (N, C, H, W) and (N, F)");
        float eps = node.Float("epsilon", 1e-5f), momentum = node.Float("momentum", 0.9f);
        if (!(eps >= 0)) throw node.Error($"epsilon {eps} is negative");
        var tensors = new Dictionary<string, float[]>
        {
            ["weight"] = Vector(node, 1, "scale", channels),
            ["bias"] = Vector(node, 2, "B", channels),
            ["running_mean"] = Vector(node, 3, "mean", channels),
            ["running_var"] = Vector(node, 4, "var", channels),
        };
        int bad = Array.FindIndex(tensors["running_var"], v => !(v + eps > 0));
        if (bad >= 0) throw node.Error($"running variance of channel {bad} plus epsilon is not positive ({tensors["running_var"][bad]} + {eps})");
        for (int i = 1; i < node.Proto.Output.Count; i++) RequireUnused(node, i);
        // ONNX momentum weighs the old running value (0.9), PyTorch's the new batch (0.1); only training uses it.
        // Rounded to 6 decimals so that 1 - 0.9f gives 0.1f again, not 0.10000002.
        float torchMomentum = momentum is >= 0f and <= 1f ? (float)Math.Round(1.0 - momentum, 6) : 0.1f;
        LayerSpec spec = shape.Length == 3 ? new BatchNorm2dSpec(channels, eps, torchMomentum) : new BatchNorm1dSpec(channels, eps, torchMomentum);
        return (Output(node), AddWithShape(node, spec, shape, tensors));
    }

    private (string, int[]) Gemm(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("alpha", "beta", "transA", "transB", "broadcast");
        node.RequireAtMostInputs(3);
        if (slot != 0) throw node.Error("the activation must be input A; a constant A times an activation is not a dense layer");
        RequireFeatures(node, shape);
        if (node.Int("transA", 0) != 0) throw node.Error("transA 1 is not supported; the activation must not be transposed");
        if (node.Float("alpha", 1f) != 1f) throw node.Error($"alpha {node.Float("alpha", 1f)} is not supported; only 1");
        if (node.Input(2) is not null && node.Float("beta", 1f) != 1f) throw node.Error($"beta {node.Float("beta", 1f)} is not supported; only 1");
        bool transB = node.Int("transB", 0) != 0;
        TensorProto bTensor = ConstantInput(node, 1, "B");
        long[] b = OnnxTensorData.Dims(bTensor, Where(node, "B", bTensor));
        if (b.Length != 2) throw node.Error($"B has shape {OnnxTensorData.Text(b)}, expected a matrix");
        int inFeatures = (int)(transB ? b[1] : b[0]), outFeatures = (int)(transB ? b[0] : b[1]);
        if (inFeatures != shape[0]) throw node.Error($"B has shape {OnnxTensorData.Text(b)} (transB {(transB ? 1 : 0)}) for {inFeatures} inputs, but the input has {shape[0]} features");
        float[] weight = OnnxTensorData.Floats(bTensor, Where(node, "B", bTensor));
        if (!transB) weight = Transpose(weight, inFeatures, outFeatures);   // (in, out) -> (out, in)
        weight = FromNhwc(weight, outFeatures);
        var tensors = new Dictionary<string, float[]> { ["weight"] = weight };
        if (node.Input(2) is not null) tensors["bias"] = Bias(node, 2, outFeatures);
        string output = Output(node);
        if (BiasAdd(output, outFeatures, image: false) is { } add)
        {
            AddInto(tensors, add.Values);
            output = Output(add.Add);
        }
        return (output, AddDense(node, inFeatures, outFeatures, tensors, shape));
    }

    // MatMul by a constant (in, out) matrix, merged with the Add of a bias that directly follows it.
    private (string, int[]) MatMul(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes();
        node.RequireAtMostInputs(2);
        if (slot != 0) throw node.Error("the activation must be the first input (x W); a constant times an activation is not a dense layer");
        RequireFeatures(node, shape);
        TensorProto wTensor = ConstantInput(node, 1, "weight");
        long[] w = OnnxTensorData.Dims(wTensor, Where(node, "weight", wTensor));
        if (w.Length != 2) throw node.Error($"weight has shape {OnnxTensorData.Text(w)}, expected a matrix (in, out)");
        if (w[0] != shape[0]) throw node.Error($"weight has shape {OnnxTensorData.Text(w)} but the input has {shape[0]} features");
        int inFeatures = (int)w[0], outFeatures = (int)w[1];
        float[] weight = Transpose(OnnxTensorData.Floats(wTensor, Where(node, "weight", wTensor)), inFeatures, outFeatures);   // (in, out) -> (out, in)
        var tensors = new Dictionary<string, float[]> { ["weight"] = FromNhwc(weight, outFeatures) };
        string output = Output(node);
        if (BiasAdd(output, outFeatures, image: false) is { } add)
        {
            AddInto(tensors, add.Values);
            output = Output(add.Add);
        }
        return (output, AddDense(node, inFeatures, outFeatures, tensors, shape));
    }

    // PyTorch (opset 11+) writes AvgPool2d as a Pad with zero widths before AveragePool: the identity.
    private (string, int[]) ZeroPad(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("mode", "pads", "value");
        node.RequireAtMostInputs(4);
        RequireSlot(node, slot);
        long[] pads = node.Ints("pads") ?? (node.Input(1) is null ? []
            : _shapeValues.Evaluate(node.Input(1)!, node).Entries.Select(p => p ?? throw node.Error("pads depend on the batch size")).ToArray());
        if (pads.Any(p => p != 0))
            throw node.Error($"pads {OnnxTensorData.Text(pads)} are not supported; a Pad node is imported only when all its pads are 0 (padding belongs in the Conv's pads)");
        return (Output(node), shape);
    }

    private (string, int[]) Reshape(OnnxNode node, int slot, int[] shape)
    {
        node.RequireKnownAttributes("allowzero");
        node.RequireAtMostInputs(2);
        RequireSlot(node, slot);
        string shapeName = node.Input(1) ?? throw node.Error("has no shape input (opset 5 or later is needed)");
        var (target, _) = _shapeValues.Evaluate(shapeName, node);
        long features = shape.Aggregate(1L, (a, d) => a * d);
        string text = "[" + string.Join(", ", target.Select(t => t?.ToString() ?? "N")) + "]";
        bool allowZero = node.Int("allowzero", 0) != 0;
        bool batchFirst = target.Length == 2 && (target[0] is null || target[0] == -1 || target[0] > 0 || (target[0] == 0 && !allowZero));
        bool featuresSecond = target.Length == 2 && (target[1] == features || (target[1] == -1 && target[0] != -1));
        if (!batchFirst || !featuresSecond)
            throw node.Error($"reshapes a per-sample {Tensors.Tensor.ShapeToText(shape)} tensor to {text}; only a flatten to (N, -1) or (N, {features}) is imported");
        return (Output(node), Flatten(node, shape));
    }

    private int[] Flatten(OnnxNode node, int[] shape)
    {
        // After a Keras NHWC Transpose the flatten reads the (C, H, W) activation as before it; the dense layer reorders its inputs.
        if (_nhwc is not null) return AddWithShape(node, new FlattenSpec(), _nhwc.Chw);
        // An (N, F) tensor is already flat: nothing to record.
        if (shape.Length == 1) return shape;
        return AddWithShape(node, new FlattenSpec(), shape);
    }

    // The dense weight (out, in) of the layer that ends a Keras NHWC flatten, reordered to the (C, H, W) order of our flatten.
    private float[] FromNhwc(float[] weight, int outFeatures)
    {
        if (_nhwc is null) return weight;
        weight = _nhwc.ToChwOrder(weight, outFeatures);
        _nhwc = null;
        return weight;
    }

    // A dense layer; when it directly follows another dense layer (no activation between them) the two linear maps are
    // merged into one, W = W2 W1 and b = W2 b1 + b2, computed in double: exact up to rounding, and conversion needs a
    // ReLU between any two weighted layers.
    private int[] AddDense(OnnxNode node, int inFeatures, int outFeatures, Dictionary<string, float[]> tensors, int[] shape)
    {
        if (_layers.Count == 0 || _layers[^1].Spec is not LinearSpec first || first.OutFeatures != inFeatures)
            return AddWithShape(node, new LinearSpec(inFeatures, outFeatures, tensors.ContainsKey("bias")), shape, tensors);
        ImportedLayer previous = _layers[^1];
        float[] w1 = previous.Tensors["weight"], w2 = tensors["weight"];
        // Through a narrow middle (fewer features than outputs) the merged layer would be larger than the two; it is then refused.
        if ((long)outFeatures * first.InFeatures > (long)w1.Length + w2.Length)
            throw node.Error($"follows the dense layer of {previous.Node} without an activation, and merging the two ({first.InFeatures} -> {inFeatures} -> {outFeatures}) " +
                "would give a larger layer than both; put an activation between them");
        float[]? b1 = previous.Tensors.GetValueOrDefault("bias"), b2 = tensors.GetValueOrDefault("bias");
        int n = first.InFeatures, mid = inFeatures;
        var weight = new float[outFeatures * n];
        var row = new double[n];
        for (int o = 0; o < outFeatures; o++)
        {
            Array.Clear(row);
            for (int k = 0; k < mid; k++)
            {
                double a = w2[o * mid + k];
                for (int i = 0; i < n; i++) row[i] += a * w1[k * n + i];
            }
            for (int i = 0; i < n; i++) weight[o * n + i] = (float)row[i];
        }
        var merged = new Dictionary<string, float[]> { ["weight"] = weight };
        if (b1 is not null || b2 is not null)
        {
            var bias = new float[outFeatures];
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b2?[o] ?? 0;
                if (b1 is not null)
                    for (int k = 0; k < mid; k++) sum += (double)w2[o * mid + k] * b1[k];
                bias[o] = (float)sum;
            }
            merged["bias"] = bias;
        }
        _layers[^1] = new ImportedLayer(new LinearSpec(n, outFeatures, merged.ContainsKey("bias")), merged, $"{previous.Node} + {node.Describe}");
        _notes.Add($"{node.Describe} follows the dense layer of {previous.Node} without an activation between them: the two are merged into one dense layer ({n} -> {outFeatures}), the same function up to rounding");
        return [outFeatures];
    }

    private void Add(OnnxNode node, LayerSpec spec, Dictionary<string, float[]>? tensors = null) =>
        _layers.Add(new ImportedLayer(spec, tensors ?? new Dictionary<string, float[]>(), node.Describe));

    private int[] AddWithShape(OnnxNode node, LayerSpec spec, int[] shape, Dictionary<string, float[]>? tensors = null)
    {
        int[] output;
        try { output = spec.OutputShape(shape); }
        catch (ArgumentException e) { throw node.Error(e.Message); }
        Add(node, spec, tensors);
        return output;
    }

    // The first output; any further output (a Dropout mask, MaxPool indices, batch-norm training statistics) must be unused.
    private string Output(OnnxNode node)
    {
        if (node.Proto.Output.Count == 0 || node.Proto.Output[0].Length == 0) throw node.Error("has no output");
        for (int i = 1; i < node.Proto.Output.Count; i++) RequireUnused(node, i);
        return node.Proto.Output[0];
    }

    private void RequireUnused(OnnxNode node, int output)
    {
        string name = node.Proto.Output[output];
        if (name.Length > 0 && (_graph.Consumers(name).Count > 0 || name == _graph.Output))
            throw node.Error($"its output {output} (\"{name}\") is used; only the first output is imported");
    }

    private static void RequireSlot(OnnxNode node, int slot)
    {
        if (slot != 0) throw node.Error("the activation must be its first input");
    }

    private static void RequireRank(OnnxNode node, int[] shape, int perSampleRank, string expected)
    {
        if (shape.Length != perSampleRank)
            throw node.Error($"input has per-sample shape {Tensors.Tensor.ShapeToText(shape)}; expected {expected}");
    }

    private static void RequireFeatures(OnnxNode node, int[] shape)
    {
        if (shape.Length != 1)
            throw node.Error($"input has per-sample shape {Tensors.Tensor.ShapeToText(shape)}; a dense layer needs (N, F): put Flatten before it");
    }

    private string Where(OnnxNode node, string role, TensorProto tensor) => $"{Source}: {node.Describe}: {role} \"{tensor.Name}\"";

    // Follows Identity nodes that alias a constant (exporters use them for shared weights).
    private string ResolveConstantName(string name)
    {
        while (_graph.Constant(name) is null && _graph.Producer(name) is { Op: "Identity" } identity && identity.Input(0) is { } source)
        {
            _constantReaders.Add(identity);
            name = source;
        }
        return name;
    }

    private TensorProto ConstantInput(OnnxNode node, int input, string role)
    {
        string name = node.Input(input) ?? throw node.Error($"input {role} is missing");
        return _graph.Constant(ResolveConstantName(name))
            ?? throw node.Error($"{role} \"{name}\" is not a constant (initializer or Constant node); only constant weights are imported");
    }

    private float[] Vector(OnnxNode node, int input, string role, int length)
    {
        TensorProto t = ConstantInput(node, input, role);
        float[] values = OnnxTensorData.Floats(t, Where(node, role, t));
        if (values.Length != length || t.Dims.Count != 1)
            throw node.Error($"{role} has shape {OnnxTensorData.Text(t.Dims)}, expected [{length}]");
        return values;
    }

    // A bias of `length` entries: shape (length), (1, length), or a scalar broadcast to every output.
    private float[] Bias(OnnxNode node, int input, int length)
    {
        TensorProto t = ConstantInput(node, input, "bias");
        float[] values = OnnxTensorData.Floats(t, Where(node, "bias", t));
        long[] dims = t.Dims.ToArray();
        if (values.Length == 1 && dims.All(d => d == 1)) return Enumerable.Repeat(values[0], length).ToArray();
        if (values.Length == length && dims[^1] == length && dims.Length <= 2) return values;
        throw node.Error($"bias has shape {OnnxTensorData.Text(dims)}, expected [{length}]");
    }

    // How a per-channel constant is laid out: against (N, C, H, W), against an (N, H, W, C) input, or only a scalar.
    private enum Layout { ChannelsFirst, ChannelsLast, Scalar }

    // A constant that broadcasts per channel: a scalar; (C, 1, 1) or (1, C, 1, 1) against (N, C, H, W); (C), (1, C), (1, 1, C) or (1, 1, 1, C) against (N, H, W, C).
    private float[] PerChannel(OnnxNode node, int input, int channels, Layout layout, string role = "constant")
    {
        TensorProto t = ConstantInput(node, input, role);
        float[] values = OnnxTensorData.Floats(t, Where(node, role, t));
        long[] dims = t.Dims.ToArray();
        if (values.Length == 1 && dims.Length <= 4) return Enumerable.Repeat(values[0], channels).ToArray();
        bool perChannel = layout switch
        {
            Layout.ChannelsFirst => dims.Length is 3 or 4 && dims[^3] == channels && dims[^2] == 1 && dims[^1] == 1 && (dims.Length == 3 || dims[0] == 1),
            Layout.ChannelsLast => dims.Length is >= 1 and <= 4 && dims[^1] == channels && dims[..^1].All(d => d == 1),
            _ => false,
        };
        if (!perChannel)
            throw node.Error($"{role} \"{t.Name}\" has shape {OnnxTensorData.Text(dims)}; " + (layout switch
            {
                Layout.ChannelsFirst => $"one value per channel is needed, shaped (1, {channels}, 1, 1) or ({channels}, 1, 1), or a scalar",
                Layout.ChannelsLast => $"before the input's NHWC Transpose one value per channel is needed, shaped (1, 1, 1, {channels}) or ({channels}), or a scalar",
                _ => "before the Reshape of the input only a scalar is one value per channel",
            }));
        return values;
    }

    private static float[] Transpose(float[] m, int rows, int columns)
    {
        var t = new float[m.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) t[c * rows + r] = m[r * columns + c];
        return t;
    }

    private void CheckDeclaredOutput(int classes)
    {
        var dims = _graph.DeclaredOutput.Type.TensorType.Shape?.Dim;
        if (dims is null || dims.Count == 0) return;
        if (dims.Count != 2 || (dims[1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[1].DimValue != classes))
            throw new OnnxFormatException($"{Source}: output \"{_graph.Output}\" is declared with shape [{string.Join(", ", dims.Select(d => d.ToString()))}] " +
                $"but the layers compute (N, {classes})");
    }
}
