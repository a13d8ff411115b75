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
    public const string SupportedOperators = "Conv, Relu, AveragePool, MaxPool, GlobalAveragePool, BatchNormalization, Gemm, MatMul (+ Add bias), " +
        "Flatten, Reshape to (N, -1), Transpose [0, 2, 3, 1] before Flatten and a dense layer (Keras), Dropout, Identity, Constant, Pad with zero pads, and Sub/Div by constants as input normalisation";

    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, int[]> _shapes = new();   // per-sample shape of each activation reached
    private readonly OnnxShapeValues _shapeValues;
    private readonly HashSet<OnnxNode> _chain = [];
    private readonly HashSet<OnnxNode> _constantReaders = [];      // Identity nodes that only alias a constant
    private readonly List<ImportedLayer> _layers = [];
    private double[]? _normScale, _normShift;                      // pending input normalisation y = scale[c] x + shift[c]
    private OnnxNode? _normNode;
    private bool _normalisationClosed;
    private NhwcFlatten? _nhwc;                                    // pending Keras NHWC flatten, until its dense layer reorders its inputs

    private OnnxChainImport(OnnxGraph graph)
    {
        _graph = graph;
        _shapeValues = new OnnxShapeValues(graph, _shapes);
    }

    /// <summary>The layers of <paramref name="graph"/> in order.</summary>
    /// <exception cref="OnnxFormatException">The graph is not a chain of supported operators.</exception>
    public static IReadOnlyList<ImportedLayer> Run(OnnxGraph graph) => new OnnxChainImport(graph).Walk();

    private string Source => _graph.Source;

    private IReadOnlyList<ImportedLayer> Walk()
    {
        string current = _graph.Input;
        int[] shape = _graph.InputShape;
        _shapes[current] = shape;
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
            if (_chain.Contains(node) || _shapeValues.Used.Contains(node) || _constantReaders.Contains(node) || node.Op == "Constant") continue;
            throw node.Error("is not on the chain from the input to the output (a side branch or an unused computation); only a chain of layers is imported");
        }
        return _layers;
    }

    // Maps one node whose input `slot` is the activation of per-sample shape `shape`; returns its output and that output's shape.
    private (string Output, int[] Shape) Map(OnnxNode node, int slot, int[] shape)
    {
        if (node.Op is not ("Sub" or "Div" or "Identity" or "Dropout")) CloseNormalisation();
        _nhwc?.Continue(node);
        switch (node.Op)
        {
            case "Sub":
            case "Div":
                return Normalisation(node, slot, shape);
            case "Conv":
                return Conv(node, slot, shape);
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
            case "Reshape":
                return Reshape(node, slot, shape);
            case "Dropout":
            {
                node.RequireKnownAttributes("ratio", "seed", "is_test");
                RequireSlot(node, slot);
                node.RequireAtMostInputs(3);
                // A Dropout is the identity at inference; an exported training_mode must say so.
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
                throw node.Error("Add is imported only as the bias right after a MatMul; a sum of two activations (residual connection) or a shift of the input is not supported");
            case "Softmax":
            case "LogSoftmax":
                throw node.Error($"operator {node.Op} is not supported; export the model without the final {node.Op} (class scores as logits), which leaves the predictions unchanged");
            case "Mul":
                throw node.Error($"operator Mul is not supported; the importer reads {SupportedOperators} (a scaling of the input is recognised only when written as a division by a constant)");
            case "Transpose":
                RequireSlot(node, slot);
                _nhwc = NhwcFlatten.Start(node, shape);
                return (Output(node), _nhwc.Nhwc);
            default:
                throw node.Error($"operator {node.Op} is not supported; the importer reads {SupportedOperators}");
        }
    }

    // Sub/Div by per-channel constants before the first layer compose into one affine map, recorded as NormalizeSpec.
    private (string, int[]) Normalisation(OnnxNode node, int slot, int[] shape)
    {
        if (_normalisationClosed)
            throw node.Error($"{node.Op} is imported only as input normalisation before the first layer ((x - mean) / std); here it follows other layers");
        node.RequireKnownAttributes();
        node.RequireAtMostInputs(2);
        if (slot != 0) throw node.Error($"the activation must be the first input ({(node.Op == "Sub" ? "x - mean" : "x / std")}); a constant first is not input normalisation");
        RequireRank(node, shape, 3, "(N, C, H, W)");
        int channels = shape[0];
        float[] value = PerChannel(node, 1, channels);
        _normScale ??= Enumerable.Repeat(1.0, channels).ToArray();
        _normShift ??= new double[channels];
        for (int c = 0; c < channels; c++)
        {
            if (node.Op == "Sub")
            {
                _normShift[c] -= value[c];
                continue;
            }
            if (value[c] == 0f) throw node.Error($"divides channel {c} by zero");
            _normScale[c] /= value[c];
            _normShift[c] /= value[c];
        }
        _normNode = node;
        return (Output(node), shape);
    }

    private void CloseNormalisation()
    {
        if (_normalisationClosed) return;
        _normalisationClosed = true;
        if (_normScale is null || _normShift is null || _normNode is null) return;
        int channels = _normScale.Length;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            if (!(_normScale[c] > 0))
                throw _normNode.Error($"the input normalisation scales channel {c} by {_normScale[c]}; only a division by a positive std is imported");
            mean[c] = (float)(-_normShift[c] / _normScale[c]);
            std[c] = (float)(1.0 / _normScale[c]);
        }
        _layers.Add(new ImportedLayer(new NormalizeSpec(mean, std), new Dictionary<string, float[]>(), _normNode.Describe));
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
        var spec = new Conv2dSpec(shape[0], outChannels, kernel, stride, padding, Bias: tensors.ContainsKey("bias"));
        return (Output(node), AddWithShape(node, spec, shape, tensors));
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
        if (autoPad is not ("NOTSET" or "VALID"))
            throw node.Error($"auto_pad {autoPad} pads the input; pooling is imported without padding");
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
        return (Output(node), AddWithShape(node, new LinearSpec(inFeatures, outFeatures, tensors.ContainsKey("bias")), shape, tensors));
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
        var readers = _graph.Consumers(output);
        if (output != _graph.Output && readers.Count == 1 && readers[0].Op == "Add")
        {
            OnnxNode add = readers[0];
            add.RequireKnownAttributes();
            add.RequireAtMostInputs(2);
            int biasSlot = add.Proto.Input.Count == 2 && add.Proto.Input[0] == output && add.Proto.Input[1] != output ? 1
                : add.Proto.Input.Count == 2 && add.Proto.Input[1] == output && add.Proto.Input[0] != output ? 0
                : throw add.Error("expected the MatMul output plus a constant bias");
            if (_graph.Constant(ResolveConstantName(add.Proto.Input[biasSlot])) is not null)
            {
                _chain.Add(add);
                tensors["bias"] = Bias(add, biasSlot, outFeatures);
                output = Output(add);
            }
        }
        return (output, AddWithShape(node, new LinearSpec(inFeatures, outFeatures, tensors.ContainsKey("bias")), shape, tensors));
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

    // A constant that broadcasts per channel against (N, C, H, W): a scalar, (C, 1, 1) or (1, C, 1, 1).
    private float[] PerChannel(OnnxNode node, int input, int channels)
    {
        TensorProto t = ConstantInput(node, input, "constant");
        float[] values = OnnxTensorData.Floats(t, Where(node, "constant", t));
        long[] dims = t.Dims.ToArray();
        if (values.Length == 1 && dims.Length <= 4) return Enumerable.Repeat(values[0], channels).ToArray();
        bool perChannel = dims.Length is 3 or 4 && dims[^3] == channels && dims[^2] == 1 && dims[^1] == 1 && (dims.Length == 3 || dims[0] == 1);
        if (!perChannel)
            throw node.Error($"constant \"{t.Name}\" has shape {OnnxTensorData.Text(dims)}; input normalisation needs one value per channel, shaped (1, {channels}, 1, 1) or ({channels}, 1, 1), or a scalar");
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
