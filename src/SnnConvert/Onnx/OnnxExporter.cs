using Google.Protobuf;
using SnnConvert.IO;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Onnx.Proto;
using SnnConvert.Tensors;
using DataType = SnnConvert.Onnx.Proto.TensorProto.Types.DataType;

namespace SnnConvert.Onnx;

/// <summary>
/// Writes an SnnConvert CNN as an ONNX model (opset <see cref="Opset"/>) for inference in other tools: input
/// "input" (N, C, H, W) float32 with a symbolic batch "N", output "logits" (N, K). Weights are initializers named
/// as in the model file ("0.weight", "3.running_mean"). Dropout is left out (the identity at inference),
/// input normalisation becomes Sub and Div by (1, C, 1, 1) constants, dense layers Gemm with transB = 1, a QCFS
/// activation Div, Clip, Mul, Add, Floor, Div, Mul (as the authors' PyTorch code exports it, and in the order of
/// floating-point operations of <see cref="QcfsLayer.Forward(ReadOnlySpan{float}, float, int, Span{float})"/>).
/// </summary>
public static class OnnxExporter
{
    /// <summary>The standard-domain opset written (all the operators used have had their current form since 13 or earlier).</summary>
    public const int Opset = 13;

    // IR version 7 is the one that goes with opset 13.
    private const long IrVersion = 7;

    /// <summary>Name of the graph input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph output.</summary>
    public const string OutputName = "logits";

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, Network network)
    {
        byte[] bytes = ToBytes(network);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>The serialised ONNX model of <paramref name="network"/>.</summary>
    public static byte[] ToBytes(Network network) => Build(network).ToByteArray();

    internal static ModelProto Build(Network network)
    {
        var graph = new GraphProto { Name = network.Name };
        graph.Input.Add(ValueInfo(InputName, [network.InputShape[0], network.InputShape[1], network.InputShape[2]]));
        graph.Output.Add(ValueInfo(OutputName, [network.ClassCount]));
        var state = network.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        string current = InputName;
        int last = LastExported(network);
        for (int i = 0; i < network.Layers.Count; i++)
        {
            LayerSpec spec = network.Architecture[i];
            if (spec is DropoutSpec or Dropout2dSpec) continue;
            string output = i == last ? OutputName : $"{i}.out";
            AddLayer(graph, spec, i, current, output, network.LayerShapes[i], state);
            current = output;
        }
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "snnconvert",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    // The last layer that becomes a node (trailing dropout layers are left out), whose output is the graph output.
    private static int LastExported(Network network)
    {
        for (int i = network.Architecture.Count - 1; i >= 0; i--)
            if (network.Architecture[i] is not (DropoutSpec or Dropout2dSpec)) return i;
        throw new ArgumentException($"{network.Name}: the network has no layer to export");
    }

    private static void AddLayer(GraphProto graph, LayerSpec spec, int index, string input, string output, int[] inputShape,
        IReadOnlyDictionary<string, Tensor> state)
    {
        string name = $"{index}.{spec.GetType().Name.Replace("Spec", "").ToLowerInvariant()}";
        string Initializer(string tensor, long[]? dims = null)
        {
            Tensor value = state[$"{index}.{tensor}"];
            graph.Initializer.Add(OnnxTensorData.FromFloats($"{index}.{tensor}", value.Data, dims ?? value.Shape.Select(d => (long)d).ToArray()));
            return $"{index}.{tensor}";
        }
        switch (spec)
        {
            case NormalizeSpec n:
            {
                long channels = n.Mean.Length;
                graph.Initializer.Add(OnnxTensorData.FromFloats($"{index}.mean", n.Mean, 1, channels, 1, 1));
                graph.Initializer.Add(OnnxTensorData.FromFloats($"{index}.std", n.Std, 1, channels, 1, 1));
                graph.Node.Add(Node("Sub", $"{name}.sub", [input, $"{index}.mean"], $"{index}.centred"));
                graph.Node.Add(Node("Div", $"{name}.div", [$"{index}.centred", $"{index}.std"], output));
                break;
            }
            case Conv2dSpec c:
            {
                List<string> inputs = [input, Initializer("weight")];
                if (c.Bias) inputs.Add(Initializer("bias"));
                graph.Node.Add(Node("Conv", name, inputs, output,
                    Ints("kernel_shape", c.Kernel, c.Kernel), Ints("strides", c.Stride, c.Stride), Ints("pads", c.Padding, c.Padding, c.Padding, c.Padding),
                    Ints("dilations", 1, 1), Int("group", 1)));
                break;
            }
            case LinearSpec l:
            {
                List<string> inputs = [input, Initializer("weight")];
                if (l.Bias) inputs.Add(Initializer("bias"));
                graph.Node.Add(Node("Gemm", name, inputs, output, Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)));
                break;
            }
            case ReluSpec:
                graph.Node.Add(Node("Relu", name, [input], output));
                break;
            case AvgPool2dSpec a:
                graph.Node.Add(Node("AveragePool", name, [input], output,
                    Ints("kernel_shape", a.Kernel, a.Kernel), Ints("strides", a.EffectiveStride, a.EffectiveStride), Ints("pads", 0, 0, 0, 0)));
                break;
            case MaxPool2dSpec m:
                graph.Node.Add(Node("MaxPool", name, [input], output,
                    Ints("kernel_shape", m.Kernel, m.Kernel), Ints("strides", m.EffectiveStride, m.EffectiveStride), Ints("pads", 0, 0, 0, 0)));
                break;
            case BatchNorm2dSpec or BatchNorm1dSpec:
            {
                (float eps, float momentum) = spec is BatchNorm2dSpec b2 ? (b2.Eps, b2.Momentum) : (((BatchNorm1dSpec)spec).Eps, ((BatchNorm1dSpec)spec).Momentum);
                graph.Node.Add(Node("BatchNormalization", name,
                    [input, Initializer("weight"), Initializer("bias"), Initializer("running_mean"), Initializer("running_var")], output,
                    Float("epsilon", eps), Float("momentum", 1f - momentum)));
                break;
            }
            case FlattenSpec:
                graph.Node.Add(Node("Flatten", name, [input], output, Int("axis", 1)));
                break;
            case QcfsSpec q:
                AddQcfs(graph, q, index, name, input, output, inputShape, Initializer);
                break;
            default:
                throw new ArgumentException($"layer {index} ({spec.Describe()}) of input shape {Tensor.ShapeToText(inputShape)} has no ONNX export");
        }
    }

    // QCFS as the authors' PyTorch module (IF in ANN mode) exports it, the operations of QcfsLayer.Forward in their order, so
    // that ONNX Runtime computes the same floats: x / lambda, Clip(0, 1), * L, + 1/2, Floor, / L, * lambda. lambda is
    // (1) per layer, or per channel (C, 1, 1) against (N, C, H, W) and (C) against (N, C); L and the bounds are scalars.
    private static void AddQcfs(GraphProto graph, QcfsSpec q, int index, string name, string input, string output, int[] inputShape,
        Func<string, long[]?, string> initializer)
    {
        long[] dims = !q.PerChannel ? [1] : inputShape.Length == 3 ? [q.Thresholds, 1, 1] : [q.Thresholds];
        string lambda = initializer("threshold", dims);
        string Scalar(string suffix, float value)
        {
            graph.Initializer.Add(OnnxTensorData.FromFloats($"{index}.{suffix}", [value]));
            return $"{index}.{suffix}";
        }
        string levels = Scalar("levels", q.Levels), half = Scalar("half", 0.5f), low = Scalar("clip_min", 0f), high = Scalar("clip_max", 1f);
        string Step(string op, string suffix, string from, params string[] operands)
        {
            string to = suffix == "scale" ? output : $"{index}.{suffix}";
            graph.Node.Add(Node(op, $"{name}.{suffix}", [from, .. operands], to));
            return to;
        }
        string x = Step("Div", "unit", input, lambda);
        x = Step("Clip", "clipped", x, low, high);
        x = Step("Mul", "levels_in", x, levels);
        x = Step("Add", "shifted", x, half);
        x = Step("Floor", "floor", x);
        x = Step("Div", "quantised", x, levels);
        Step("Mul", "scale", x, lambda);
    }

    private static NodeProto Node(string op, string name, IEnumerable<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    // A float32 tensor value with a symbolic batch dimension "N" before the per-sample dimensions.
    private static ValueInfoProto ValueInfo(string name, long[] perSample)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (long d in perSample) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float, Shape = shape } },
        };
    }
}
