using SnnConvert.Errors;
using SnnConvert.Onnx.Proto;
using AttributeType = SnnConvert.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace SnnConvert.Onnx;

/// <summary>
/// A node of the graph being imported with typed access to its attributes. Every error it raises names the
/// file, the node and its operator type, e.g. <c>net.onnx: node "/conv1/Conv" (Conv): pads [0, 0, 1, 1] are not symmetric</c>.
/// </summary>
internal sealed class OnnxNode(NodeProto proto, int index, string source)
{
    /// <summary>The protobuf message.</summary>
    public NodeProto Proto { get; } = proto;

    /// <summary>Position in the graph's node list.</summary>
    public int Index { get; } = index;

    /// <summary>The operator type, e.g. "Conv".</summary>
    public string Op => Proto.OpType;

    /// <summary>How messages name the node: its name, or its position and first output when it has no name.</summary>
    public string Describe => Proto.Name.Length > 0
        ? $"node \"{Proto.Name}\" ({Op})"
        : $"node #{Index} ({Op}, output \"{Proto.Output.FirstOrDefault()}\")";

    /// <summary>An import error about this node.</summary>
    public OnnxFormatException Error(string reason) => new($"{source}: {Describe}: {reason}");

    /// <summary>Input <paramref name="i"/>, or null when the node has fewer inputs or leaves it empty (an omitted optional input).</summary>
    public string? Input(int i) => i < Proto.Input.Count && Proto.Input[i].Length > 0 ? Proto.Input[i] : null;

    /// <summary>Refuses attributes this importer does not know for the operator, so none is silently ignored.</summary>
    public void RequireKnownAttributes(params string[] known)
    {
        foreach (AttributeProto a in Proto.Attribute)
        {
            if (!known.Contains(a.Name))
                throw Error($"attribute \"{a.Name}\" is not supported by the importer" + (known.Length > 0 ? $" (known: {string.Join(", ", known)})" : ""));
            if (a.RefAttrName.Length > 0) throw Error($"attribute \"{a.Name}\" refers to a function attribute; functions are not imported");
        }
    }

    /// <summary>Refuses a node that has more than <paramref name="inputs"/> inputs.</summary>
    public void RequireAtMostInputs(int inputs)
    {
        if (Proto.Input.Count > inputs) throw Error($"has {Proto.Input.Count} inputs, expected at most {inputs}");
    }

    /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => Find(name, AttributeType.Int) is { } a ? a.I : fallback;

    /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback) => Find(name, AttributeType.Float) is { } a ? a.F : fallback;

    /// <summary>A list-of-integers attribute, or null when absent.</summary>
    public long[]? Ints(string name) => Find(name, AttributeType.Ints)?.Ints.ToArray();

    /// <summary>A list-of-floats attribute, or null when absent.</summary>
    public float[]? Floats(string name) => Find(name, AttributeType.Floats)?.Floats.ToArray();

    /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
    public string Text(string name, string fallback) => Find(name, AttributeType.String) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>A tensor attribute, or null when absent.</summary>
    public TensorProto? Tensor(string name) => Find(name, AttributeType.Tensor)?.T;

    /// <summary>Names of the attributes present.</summary>
    public IEnumerable<string> AttributeNames => Proto.Attribute.Select(a => a.Name);

    // IR version 1 files have no type discriminator; their attributes are recognised by the field in use.
    private AttributeProto? Find(string name, AttributeType type)
    {
        AttributeProto? a = Proto.Attribute.FirstOrDefault(x => x.Name == name);
        if (a is null) return null;
        AttributeType actual = a.Type != AttributeType.Undefined ? a.Type : Guess(a);
        if (actual != type) throw Error($"attribute \"{name}\" has type {actual.ToString().ToUpperInvariant()}, expected {type.ToString().ToUpperInvariant()}");
        return a;
    }

    private static AttributeType Guess(AttributeProto a) =>
        a.Ints.Count > 0 ? AttributeType.Ints
        : a.Floats.Count > 0 ? AttributeType.Floats
        : a.T is not null ? AttributeType.Tensor
        : a.S.Length > 0 ? AttributeType.String
        : a.F != 0 ? AttributeType.Float
        : AttributeType.Int;
}
