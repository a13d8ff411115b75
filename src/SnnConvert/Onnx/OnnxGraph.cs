using SnnConvert.Errors;
using SnnConvert.Onnx.Proto;
using DataType = SnnConvert.Onnx.Proto.TensorProto.Types.DataType;

namespace SnnConvert.Onnx;

/// <summary>
/// The index of a graph the importer walks: constant values (initializers, Constant nodes and subgraphs of
/// constants folded here, such as a CNTK Reshape of a weight), which node produces and which nodes consume each
/// value, and the checked image input and class-score output. When the graph has several outputs, one is chosen
/// (by name, or the one computed by the most nodes) and the nodes that only compute the others are set aside.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, TensorProto> _constants = new();
    private readonly Dictionary<string, OnnxNode> _producers = new();
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new();
    private readonly HashSet<OnnxNode> _folded = [];
    private readonly HashSet<OnnxNode> _setAside = [];

    /// <summary>Indexes <paramref name="graph"/>; <paramref name="source"/> names the file in messages.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="source">The file, for messages.</param>
    /// <param name="opset">The standard-domain opset (operator semantics depend on it).</param>
    /// <param name="output">The graph output to import, or null to choose it.</param>
    /// <exception cref="OnnxFormatException">The graph has no nodes, not exactly one image input, no usable output, or a value is defined twice.</exception>
    public OnnxGraph(GraphProto graph, string source, int opset = 13, string? output = null)
    {
        Source = source;
        Opset = opset;
        if (graph.SparseInitializer.Count > 0)
            throw new OnnxFormatException($"{source}: initializer \"{graph.SparseInitializer[0].Values?.Name}\" is stored as a sparse tensor; only dense weights are imported");
        foreach (TensorProto t in graph.Initializer)
            if (!_constants.TryAdd(t.Name, t)) throw new OnnxFormatException($"{source}: initializer \"{t.Name}\" is defined twice");
        Nodes = graph.Node.Select((n, i) => new OnnxNode(n, i, source)).ToArray();
        if (Nodes.Count == 0) throw new OnnxFormatException($"{source}: the graph has no nodes");
        foreach (OnnxNode node in Nodes)
        {
            foreach (string produced in node.Proto.Output.Where(o => o.Length > 0))
                if (_constants.ContainsKey(produced) || !_producers.TryAdd(produced, node))
                    throw node.Error($"output \"{produced}\" is already defined by another node or an initializer");
            foreach (string input in node.Proto.Input.Where(i => i.Length > 0))
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
            // Constants are known before the walk so any node may read them as weights, shapes or normalisation values.
            if (node.Op == "Constant")
            {
                TensorProto value = ConstantValue(node);
                _constants[value.Name] = value;
            }
            else if (OnnxConstantFolding.TryFold(node, _constants, out TensorProto? folded))
            {
                _constants[folded!.Name] = folded;
                _folded.Add(node);
            }
        }

        // Before IR version 4 every initializer was also listed as a graph input; only the others are real inputs.
        ValueInfoProto[] inputs = graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToArray();
        if (inputs.Length != 1)
            throw new OnnxFormatException($"{source}: the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"\"{i.Name}\""))}); " +
                "exactly one image input of shape (N, C, H, W) is imported");
        Input = inputs[0].Name;
        InputShape = ImageShape(inputs[0]);
        ValueInfoProto chosen = ChooseOutput(graph, output);
        Output = chosen.Name;
        DeclaredOutput = chosen;
        RequireFloat(chosen, "output");
    }

    /// <summary>The standard-domain opset.</summary>
    public int Opset { get; }

    /// <summary>The file named in messages.</summary>
    public string Source { get; }

    /// <summary>All nodes in file order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>Name of the image input.</summary>
    public string Input { get; }

    /// <summary>Per-sample input shape as declared: (C, H, W), or (H, W, C), (H, W) or (F) for inputs that a Transpose or Reshape turns into (C, H, W).</summary>
    public int[] InputShape { get; }

    /// <summary>The input's declared shape as text, e.g. <c>["N", 28, 28, 1]</c>.</summary>
    public string InputText { get; private set; } = "";

    /// <summary>Name of the output.</summary>
    public string Output { get; }

    /// <summary>The output's declaration (type and possibly shape).</summary>
    public ValueInfoProto DeclaredOutput { get; }

    /// <summary>The constant named <paramref name="name"/> (initializer or Constant node output), or null.</summary>
    public TensorProto? Constant(string name) => _constants.GetValueOrDefault(name);

    /// <summary>The node that produces <paramref name="name"/>, or null for the input and initializers.</summary>
    public OnnxNode? Producer(string name) => _producers.GetValueOrDefault(name);

    /// <summary>The nodes that read <paramref name="name"/>, less those set aside for other graph outputs.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string name) => _consumers.TryGetValue(name, out var list) ? list.Where(n => !_setAside.Contains(n)).ToList() : [];

    /// <summary>Whether the node was evaluated at import (all its inputs constant) or only computes another graph output: either way it is not on the chain.</summary>
    public bool IsAccountedFor(OnnxNode node) => _folded.Contains(node) || _setAside.Contains(node);

    // The requested output, the only one, or the float output with the most nodes before it (the last layer's: the
    // others are intermediate values or side outputs); the nodes that compute only the other outputs are set aside.
    private ValueInfoProto ChooseOutput(GraphProto graph, string? requested)
    {
        string names = string.Join(", ", graph.Output.Select(o => $"\"{o.Name}\""));
        if (graph.Output.Count == 0) throw new OnnxFormatException($"{Source}: the graph has no outputs");
        ValueInfoProto chosen;
        if (requested is not null)
            chosen = graph.Output.FirstOrDefault(o => o.Name == requested)
                ?? throw new OnnxFormatException($"{Source}: {SettingReference.To(SettingNames.GraphOutput, $"\"{requested}\"")} is not an output of the graph; its outputs are {names}");
        else if (graph.Output.Count == 1)
            chosen = graph.Output[0];
        else
        {
            // Only float outputs can be class scores (an exported arg-max or label output is integer).
            var ranked = graph.Output.Where(o => o.Type?.TensorType?.ElemType == (int)DataType.Float)
                .Select(o => (Output: o, Nodes: Ancestors(o.Name).Count)).OrderByDescending(r => r.Nodes).ToArray();
            if (ranked.Length == 0) throw new OnnxFormatException($"{Source}: none of the graph's outputs ({names}) is a float32 tensor of class scores");
            if (ranked.Length > 1 && ranked[0].Nodes == ranked[1].Nodes)
                throw new OnnxFormatException($"{Source}: the graph has {graph.Output.Count} outputs ({names}) and \"{ranked[0].Output.Name}\" and " +
                    $"\"{ranked[1].Output.Name}\" are computed by equally many nodes; name the class scores with {SettingReference.To(SettingNames.GraphOutput)}");
            chosen = ranked[0].Output;
        }
        if (graph.Output.Count > 1)
        {
            HashSet<OnnxNode> needed = Ancestors(chosen.Name);
            foreach (ValueInfoProto other in graph.Output.Where(o => o != chosen))
                _setAside.UnionWith(Ancestors(other.Name).Where(n => !needed.Contains(n)));
        }
        return chosen;
    }

    // The nodes `name` depends on, through any input.
    private HashSet<OnnxNode> Ancestors(string name)
    {
        var seen = new HashSet<OnnxNode>();
        var pending = new Stack<string>([name]);
        while (pending.Count > 0)
            if (_producers.TryGetValue(pending.Pop(), out OnnxNode? node) && seen.Add(node))
                foreach (string input in node.Proto.Input.Where(i => i.Length > 0)) pending.Push(input);
        return seen;
    }

    // The per-sample shape of an (N, ...) float input of rank 2 to 4: the batch may be symbolic, unknown or a number; the rest must be numbers.
    private int[] ImageShape(ValueInfoProto input)
    {
        RequireFloat(input, "input");
        TensorShapeProto? shape = input.Type.TensorType.Shape;
        if (shape is null) throw new OnnxFormatException($"{Source}: input \"{input.Name}\" has no shape; an image batch (N, C, H, W) with fixed C, H, W is needed");
        string text = "[" + string.Join(", ", shape.Dim.Select(DimText)) + "]";
        InputText = text;
        if (shape.Dim.Count is < 2 or > 4)
            throw new OnnxFormatException($"{Source}: input \"{input.Name}\" has rank {shape.Dim.Count} ({text}); expected an image batch of rank 4 (N, C, H, W)" +
                " (or (N, H, W, C), (N, H, W), (N, F) that the graph transposes or reshapes to it)");
        if (shape.Dim[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && shape.Dim[0].DimValue <= 0)
            throw new OnnxFormatException($"{Source}: input \"{input.Name}\" has batch dimension {shape.Dim[0].DimValue}; expected a symbol or a positive number");
        var perSample = new int[shape.Dim.Count - 1];
        for (int i = 1; i < shape.Dim.Count; i++)
        {
            var d = shape.Dim[i];
            if (d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0 || d.DimValue > 1 << 20)
                throw new OnnxFormatException($"{Source}: input \"{input.Name}\" has shape {text}: dimension {i}{(shape.Dim.Count == 4 ? $" ({"CHW"[i - 1]})" : "")} is {DimText(d)}, " +
                    "a dynamic size that cannot be resolved; the per-sample dimensions (C, H and W) must be fixed positive numbers (export with a fixed image size)");
            perSample[i - 1] = (int)d.DimValue;
        }
        return perSample;
    }

    private void RequireFloat(ValueInfoProto value, string role)
    {
        if (value.Type?.TensorType is not { } tensorType)
            throw new OnnxFormatException($"{Source}: {role} \"{value.Name}\" is not a tensor (or has no type)");
        if (tensorType.ElemType != (int)DataType.Float)
            throw new OnnxFormatException($"{Source}: {role} \"{value.Name}\" has element type {OnnxTensorData.TypeName(tensorType.ElemType)}; only float32 is imported");
    }

    private static string DimText(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => $"\"{d.DimParam}\"",
        _ => "?",
    };

    // The value of a Constant node: a tensor, or (opset 12+) a single float/int or a list of them.
    private static TensorProto ConstantValue(OnnxNode node)
    {
        node.RequireKnownAttributes("value", "value_float", "value_floats", "value_int", "value_ints");
        if (node.Proto.Output.Count != 1 || node.Proto.Input.Count != 0) throw node.Error("expected no inputs and one output");
        if (node.Proto.Attribute.Count != 1) throw node.Error("expected exactly one value attribute");
        string output = node.Proto.Output[0];
        switch (node.Proto.Attribute[0].Name)
        {
            case "value":
                // An attribute typed TENSOR may still hold no tensor (found by fuzzing: tests/fixtures/fuzz/onnx/).
                TensorProto t = (node.Tensor("value") ?? throw node.Error("attribute \"value\" holds no tensor")).Clone();
                t.Name = output;
                return t;
            case "value_float":
                return OnnxTensorData.FromFloats(output, [node.Float("value_float", 0f)]);
            case "value_floats":
                float[] floats = node.Floats("value_floats") ?? throw node.Error("attribute \"value_floats\" holds no list of floats");
                return OnnxTensorData.FromFloats(output, floats, floats.Length);
            case "value_int":
                return OnnxTensorData.FromInt64s(output, [node.Int("value_int", 0)]);
            default:
                long[] ints = node.Ints("value_ints") ?? throw node.Error("attribute \"value_ints\" holds no list of integers");
                return OnnxTensorData.FromInt64s(output, ints, ints.Length);
        }
    }
}
