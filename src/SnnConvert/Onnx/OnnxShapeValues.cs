namespace SnnConvert.Onnx;

/// <summary>
/// Evaluates the small integer computations exporters put in front of a Reshape, such as PyTorch's
/// <c>x.view(x.size(0), -1)</c>: Shape(x) -> Gather(0) -> Unsqueeze -> Concat([-1]). The entries of a value are
/// known numbers or the batch size, which stays symbolic (null) because the imported network takes any batch.
/// </summary>
internal sealed class OnnxShapeValues(OnnxGraph graph, IReadOnlyDictionary<string, int[]> activationShapes)
{
    private readonly Dictionary<string, (long?[] Entries, bool Scalar)> _values = new();

    /// <summary>The shape-computation nodes evaluated so far (they are part of the import, not dead code).</summary>
    public HashSet<OnnxNode> Used { get; } = [];

    /// <summary>The entries of <paramref name="name"/> (null = the batch size) and whether it is a scalar.</summary>
    /// <exception cref="Errors.OnnxFormatException">The value depends on something other than constants and activation shapes.</exception>
    public (long?[] Entries, bool Scalar) Evaluate(string name, OnnxNode reader)
    {
        if (_values.TryGetValue(name, out var known)) return known;
        var value = Compute(name, reader);
        _values[name] = value;
        return value;
    }

    private (long?[] Entries, bool Scalar) Compute(string name, OnnxNode reader)
    {
        if (graph.Constant(name) is { } constant)
        {
            long[] values = OnnxTensorData.Integers(constant, $"{graph.Source}: {reader.Describe}: constant \"{name}\"");
            return (values.Select(v => (long?)v).ToArray(), constant.Dims.Count == 0);
        }
        OnnxNode node = graph.Producer(name)
            ?? throw reader.Error($"value \"{name}\" must be a constant or computed from shapes, but it is the graph input");
        if (activationShapes.ContainsKey(name))
            throw reader.Error($"value \"{name}\" must be a constant or computed from shapes, but it is an activation");
        Used.Add(node);
        switch (node.Op)
        {
            case "Shape":
            {
                node.RequireKnownAttributes("start", "end");
                string x = node.Input(0) ?? throw node.Error("has no input");
                if (!activationShapes.TryGetValue(x, out int[]? perSample))
                    throw node.Error($"reads \"{x}\", whose shape is not known at this point of the chain");
                long?[] full = [null, .. perSample.Select(d => (long?)d)];
                int start = Clamp(node.Int("start", 0), full.Length), end = Clamp(node.Int("end", full.Length), full.Length);
                return (full[start..Math.Max(start, end)], false);
            }
            case "Gather":
            {
                node.RequireKnownAttributes("axis");
                if (node.Int("axis", 0) != 0) throw node.Error("only axis 0 is supported in a shape computation");
                var data = Evaluate(node.Input(0) ?? throw node.Error("has no data input"), node);
                var indices = Evaluate(node.Input(1) ?? throw node.Error("has no indices input"), node);
                if (data.Scalar) throw node.Error("gathers from a scalar");
                long?[] picked = indices.Entries.Select(i => i is { } k && k >= -data.Entries.Length && k < data.Entries.Length
                    ? data.Entries[k < 0 ? k + data.Entries.Length : k]
                    : throw node.Error($"index {i?.ToString() ?? "N"} is out of range for {data.Entries.Length} entries")).ToArray();
                return (picked, indices.Scalar);
            }
            case "Unsqueeze":
            {
                node.RequireKnownAttributes("axes");
                var data = Evaluate(node.Input(0) ?? throw node.Error("has no input"), node);
                long?[] axes = node.Ints("axes") is { } attribute ? attribute.Select(a => (long?)a).ToArray()
                    : Evaluate(node.Input(1) ?? throw node.Error("has no axes"), node).Entries;
                if (!data.Scalar || axes.Length != 1 || axes[0] is not (0 or -1))
                    throw node.Error("only a scalar unsqueezed at axis 0 is supported in a shape computation");
                return (data.Entries, false);
            }
            case "Concat":
            {
                node.RequireKnownAttributes("axis");
                if (node.Int("axis", 0) is not (0 or -1)) throw node.Error("only axis 0 is supported in a shape computation");
                var parts = node.Proto.Input.Select(i => Evaluate(i, node)).ToArray();
                if (parts.Any(p => p.Scalar)) throw node.Error("concatenates a scalar");
                return (parts.SelectMany(p => p.Entries).ToArray(), false);
            }
            case "Cast":
            {
                node.RequireKnownAttributes("to", "saturate");
                if (node.Int("to", 0) is not (6 or 7)) throw node.Error("only a cast to int32 or int64 is supported in a shape computation");
                return Evaluate(node.Input(0) ?? throw node.Error("has no input"), node);
            }
            case "Identity":
                return Evaluate(node.Input(0) ?? throw node.Error("has no input"), node);
            default:
                throw node.Error($"operator {node.Op} is not supported in a shape computation (feeding {reader.Describe}); " +
                    "shapes may come from Shape, Gather, Unsqueeze, Concat, Cast and constants");
        }
    }

    // Shape's start and end count from the back when negative and are clamped to the rank (opset 15).
    private static int Clamp(long axis, int rank) => (int)Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
