using Google.Protobuf;
using SnnConvert.Onnx;
using SnnConvert.Onnx.Proto;
using AttributeType = SnnConvert.Onnx.Proto.AttributeProto.Types.AttributeType;

namespace SnnConvert.Tests.Onnx;

/// <summary>Builds small ONNX graphs in memory with the generated protobuf classes: one input "x", nodes added in order.</summary>
internal sealed class TestGraph
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private readonly Random _random;
    private int _next;

    /// <summary>A graph at <paramref name="opset"/> whose float input "x" has <paramref name="inputDims"/>; a null dimension is the symbol "N".</summary>
    public TestGraph(long?[] inputDims, int opset = 13, int seed = 1, int elementType = 1)
    {
        Opset = opset;
        _random = new Random(seed);
        _graph.Input.Add(Value("x", inputDims, elementType));
    }

    public int Opset { get; }

    public GraphProto Graph => _graph;

    /// <summary>A float initializer with random values in [-scale, scale) (or the given values).</summary>
    public string Init(string name, long[] dims, float scale = 0.5f, float[]? values = null, float offset = 0f)
    {
        long n = dims.Aggregate(1L, (a, d) => a * d);
        values ??= Enumerable.Range(0, (int)n).Select(_ => offset + (float)(_random.NextDouble() * 2 - 1) * scale).ToArray();
        _graph.Initializer.Add(OnnxTensorData.FromFloats(name, values, dims));
        return name;
    }

    /// <summary>A float initializer whose values are stored in float_data instead of raw_data.</summary>
    public string InitTyped(string name, long[] dims, float scale = 0.5f)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        long n = dims.Aggregate(1L, (a, d) => a * d);
        t.FloatData.AddRange(Enumerable.Range(0, (int)n).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale));
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>An int64 initializer.</summary>
    public string InitInt64(string name, params long[] values)
    {
        _graph.Initializer.Add(OnnxTensorData.FromInt64s(name, values, values.Length));
        return name;
    }

    /// <summary>An int64 scalar initializer.</summary>
    public string InitInt64Scalar(string name, long value)
    {
        _graph.Initializer.Add(OnnxTensorData.FromInt64s(name, [value]));
        return name;
    }

    /// <summary>A bool scalar initializer.</summary>
    public string InitBool(string name, bool value)
    {
        var t = new TensorProto { Name = name, DataType = 9, RawData = ByteString.CopyFrom(value ? (byte)1 : (byte)0) };
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string Node(string op, string[] inputs, params AttributeProto[] attributes) => NodeWithOutputs(op, inputs, 1, attributes)[0];

    /// <summary>Adds a node named "op_k" with <paramref name="outputs"/> outputs; returns their names.</summary>
    public string[] NodeWithOutputs(string op, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        int k = _next++;
        var node = new NodeProto { OpType = op, Name = $"{op.ToLowerInvariant()}_{k}" };
        node.Input.AddRange(inputs);
        string[] names = Enumerable.Range(0, outputs).Select(i => $"t{k}_{i}").ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>A Constant node holding a float tensor; returns its output.</summary>
    public string Constant(float[] values, params long[] dims) =>
        Node("Constant", [], new AttributeProto { Name = "value", Type = AttributeType.Tensor, T = OnnxTensorData.FromFloats("", values, dims) });

    /// <summary>The serialised model with <paramref name="output"/> as its single output of <paramref name="outputDims"/>.</summary>
    public byte[] Build(string output, long?[] outputDims)
    {
        _graph.Output.Add(Value(output, outputDims, 1));
        var model = new ModelProto { IrVersion = Opset >= 13 ? 7 : 4, ProducerName = "snnconvert-tests", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model.ToByteArray();
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };

    public static AttributeProto Text(string name, string value) => new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static ValueInfoProto Value(string name, long?[] dims, int elementType)
    {
        var shape = new TensorShapeProto();
        foreach (long? d in dims)
            shape.Dim.Add(d is { } v ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = "N" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }
}
