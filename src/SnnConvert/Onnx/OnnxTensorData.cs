using System.Buffers.Binary;
using SnnConvert.Errors;
using SnnConvert.Onnx.Proto;
using DataType = SnnConvert.Onnx.Proto.TensorProto.Types.DataType;

namespace SnnConvert.Onnx;

/// <summary>
/// Decodes the elements of an ONNX <see cref="TensorProto"/>: from raw_data (fixed width, little-endian, as the
/// specification requires whatever the machine's byte order) or from the typed field of its data type.
/// Every failure names the tensor through <c>where</c>, e.g. <c>model.onnx: node "conv1" (Conv): weight "w"</c>.
/// </summary>
internal static class OnnxTensorData
{
    /// <summary>The tensor's dimensions; a negative one is refused.</summary>
    public static long[] Dims(TensorProto tensor, string where)
    {
        long[] dims = tensor.Dims.ToArray();
        if (dims.Any(d => d < 0)) throw new OnnxFormatException($"{where}: has a negative dimension {Text(dims)}");
        return dims;
    }

    /// <summary>Number of elements the dimensions describe (1 for a scalar).</summary>
    public static long Count(long[] dims)
    {
        long n = 1;
        foreach (long d in dims)
        {
            n *= d;
            if (n > Array.MaxLength) return long.MaxValue;
        }
        return n;
    }

    /// <summary>The elements of a float32 tensor; any other element type (float16, double, ...) is refused by name.</summary>
    public static float[] Floats(TensorProto tensor, string where)
    {
        RequireInline(tensor, where);
        if (tensor.DataType != (int)DataType.Float)
            throw new OnnxFormatException($"{where}: has element type {TypeName(tensor.DataType)}; only float32 weights and constants are imported (convert the model to float32 first)");
        int n = ElementCount(tensor, where);
        float[] values;
        if (tensor.RawData.Length > 0)
        {
            ReadOnlySpan<byte> raw = RawBytes(tensor, n, sizeof(float), where);
            values = new float[n];
            for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * sizeof(float)));
        }
        else
        {
            if (tensor.FloatData.Count != n)
                throw new OnnxFormatException($"{where}: holds {tensor.FloatData.Count} float values but its shape {Text(tensor.Dims.ToArray())} needs {n}");
            values = tensor.FloatData.ToArray();
        }
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new OnnxFormatException($"{where}: holds a non-finite value ({values[bad]}) at index {bad}");
        return values;
    }

    /// <summary>The elements of an int64 or int32 tensor (shapes, axes, indices) as 64-bit integers.</summary>
    public static long[] Integers(TensorProto tensor, string where)
    {
        RequireInline(tensor, where);
        int n = ElementCount(tensor, where);
        switch ((DataType)tensor.DataType)
        {
            case DataType.Int64:
                if (tensor.RawData.Length > 0)
                {
                    ReadOnlySpan<byte> raw = RawBytes(tensor, n, sizeof(long), where);
                    var values = new long[n];
                    for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw.Slice(i * sizeof(long)));
                    return values;
                }
                if (tensor.Int64Data.Count != n) throw new OnnxFormatException($"{where}: holds {tensor.Int64Data.Count} int64 values but its shape needs {n}");
                return tensor.Int64Data.ToArray();
            case DataType.Int32:
                if (tensor.RawData.Length > 0)
                {
                    ReadOnlySpan<byte> raw = RawBytes(tensor, n, sizeof(int), where);
                    var values = new long[n];
                    for (int i = 0; i < n; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.Slice(i * sizeof(int)));
                    return values;
                }
                if (tensor.Int32Data.Count != n) throw new OnnxFormatException($"{where}: holds {tensor.Int32Data.Count} int32 values but its shape needs {n}");
                return tensor.Int32Data.Select(v => (long)v).ToArray();
            default:
                throw new OnnxFormatException($"{where}: has element type {TypeName(tensor.DataType)}, expected int64 or int32");
        }
    }

    /// <summary>The elements of a bool tensor (one byte each in raw_data, else int32_data).</summary>
    public static bool[] Bools(TensorProto tensor, string where)
    {
        RequireInline(tensor, where);
        if (tensor.DataType != (int)DataType.Bool) throw new OnnxFormatException($"{where}: has element type {TypeName(tensor.DataType)}, expected bool");
        int n = ElementCount(tensor, where);
        if (tensor.RawData.Length > 0) return RawBytes(tensor, n, 1, where).ToArray().Select(b => b != 0).ToArray();
        if (tensor.Int32Data.Count != n) throw new OnnxFormatException($"{where}: holds {tensor.Int32Data.Count} bool values but its shape needs {n}");
        return tensor.Int32Data.Select(v => v != 0).ToArray();
    }

    /// <summary>The name of an ONNX element type, e.g. "FLOAT16", for messages.</summary>
    public static string TypeName(int dataType) =>
        Enum.IsDefined((DataType)dataType) ? ((DataType)dataType).ToString().ToUpperInvariant() : $"code {dataType}";

    /// <summary>A shape as text, e.g. <c>[1, 3, 1, 1]</c>.</summary>
    public static string Text(IEnumerable<long> dims) => "[" + string.Join(", ", dims) + "]";

    /// <summary>A float32 tensor with the given name, shape and elements, stored as raw little-endian bytes.</summary>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = Google.Protobuf.ByteString.CopyFrom(raw) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    /// <summary>An int64 tensor with the given name, shape and elements.</summary>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        tensor.Int64Data.AddRange(values.ToArray());
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static void RequireInline(TensorProto tensor, string where)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new OnnxFormatException($"{where}: its data is stored in an external file, which is read only when the model is loaded from its file (the data file beside it)");
    }

    private static int ElementCount(TensorProto tensor, string where)
    {
        long n = Count(Dims(tensor, where));
        if (n > Array.MaxLength) throw new OnnxFormatException($"{where}: shape {Text(tensor.Dims)} has too many elements");
        return (int)n;
    }

    private static ReadOnlySpan<byte> RawBytes(TensorProto tensor, int count, int width, string where)
    {
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        if (raw.Length != (long)count * width)
            throw new OnnxFormatException($"{where}: raw_data has {raw.Length} bytes but shape {Text(tensor.Dims)} needs {(long)count * width}");
        return raw;
    }
}
