using SnnConvert.Onnx.Proto;

namespace SnnConvert.Onnx;

/// <summary>
/// Evaluates at import the nodes whose inputs are all constants and that only rearrange a tensor: Reshape, Squeeze,
/// Unsqueeze, Identity and Transpose (float32). CNTK and some converters store a weight in one shape and reshape or
/// transpose it in the graph; folded, the weight is a constant like any initializer. Any other node, or one whose
/// attributes do not fit its constant input, is left alone for the importer to read or refuse with its own message.
/// </summary>
internal static class OnnxConstantFolding
{
    /// <summary>The folded value of <paramref name="node"/>, named after its output, when it can be computed from <paramref name="constants"/>.</summary>
    public static bool TryFold(OnnxNode node, IReadOnlyDictionary<string, TensorProto> constants, out TensorProto? value)
    {
        value = null;
        if (node.Op is not ("Reshape" or "Squeeze" or "Unsqueeze" or "Identity" or "Transpose") || node.Proto.Output.Count != 1
            || node.Proto.Input.Count == 0 || node.Proto.Domain is not ("" or "ai.onnx"))
            return false;
        var inputs = new List<TensorProto?>();
        foreach (string name in node.Proto.Input)
        {
            if (name.Length == 0) { inputs.Add(null); continue; }
            if (!constants.TryGetValue(name, out TensorProto? t) || OnnxExternalData.IsExternal(t)) return false;
            inputs.Add(t);
        }
        TensorProto data = inputs[0]!;
        long[] dims = data.Dims.ToArray();
        if (dims.Any(d => d < 0)) return false;
        long count = OnnxTensorData.Count(dims);
        long[]? result = node.Op switch
        {
            "Identity" => dims,
            "Reshape" => inputs.Count > 1 && inputs[1] is { } shape && Integers(shape) is { } target ? Reshaped(dims, target, node.Int("allowzero", 0) != 0, count) : null,
            "Squeeze" => Squeezed(dims, node.Ints("axes") ?? (inputs.Count > 1 && inputs[1] is { } a ? Integers(a) : null)),
            "Unsqueeze" => Unsqueezed(dims, node.Ints("axes") ?? (inputs.Count > 1 && inputs[1] is { } a ? Integers(a) : null)),
            _ => null,
        };
        if (node.Op == "Transpose") return TryTranspose(node, data, dims, out value);
        if (result is null) return false;
        value = data.Clone();
        value.Name = node.Proto.Output[0];
        value.Dims.Clear();
        value.Dims.AddRange(result);
        return true;
    }

    private static long[]? Integers(TensorProto t)
    {
        try { return OnnxTensorData.Integers(t, t.Name); }
        catch (Errors.OnnxFormatException) { return null; }
    }

    // Reshape's target: 0 copies the input's dimension (unless allowzero), one -1 takes what is left.
    private static long[]? Reshaped(long[] dims, long[] target, bool allowZero, long count)
    {
        var result = new long[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero) d = i < dims.Length ? dims[i] : -2;
            if (d == -1)
            {
                if (inferred >= 0) return null;
                inferred = i;
                continue;
            }
            if (d < 0) return null;
            result[i] = d;
            known *= d;
        }
        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0) return null;
            result[inferred] = count / known;
        }
        return OnnxTensorData.Count(result) == count ? result : null;
    }

    // Without axes (opset 13+: no axes input) every dimension of size 1 is removed.
    private static long[]? Squeezed(long[] dims, long[]? axes)
    {
        if (axes is null) return dims.Where(d => d != 1).ToArray();
        var remove = new HashSet<long>(axes.Select(a => a < 0 ? a + dims.Length : a));
        if (remove.Any(a => a < 0 || a >= dims.Length || dims[a] != 1)) return null;
        return dims.Where((_, i) => !remove.Contains(i)).ToArray();
    }

    // Axes count in the output's rank.
    private static long[]? Unsqueezed(long[] dims, long[]? axes)
    {
        if (axes is null) return null;
        int rank = dims.Length + axes.Length;
        var insert = new HashSet<long>(axes.Select(a => a < 0 ? a + rank : a));
        if (insert.Count != axes.Length || insert.Any(a => a < 0 || a >= rank)) return null;
        var result = new long[rank];
        int next = 0;
        for (int i = 0; i < rank; i++) result[i] = insert.Contains(i) ? 1 : dims[next++];
        return result;
    }

    // Without perm ONNX reverses the axes.
    private static bool TryTranspose(OnnxNode node, TensorProto data, long[] dims, out TensorProto? value)
    {
        value = null;
        if (data.DataType != (int)TensorProto.Types.DataType.Float) return false;
        int rank = dims.Length;
        long[] perm = node.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Order().Select((p, i) => p == i).Any(ok => !ok)) return false;
        float[] input;
        try { input = OnnxTensorData.Floats(data, data.Name); }
        catch (Errors.OnnxFormatException) { return false; }
        long[] outDims = perm.Select(p => dims[p]).ToArray();
        long[] inStrides = Strides(dims);
        var output = new float[input.Length];
        var index = new long[rank];
        for (int o = 0; o < output.Length; o++)
        {
            long source = 0;
            for (int k = 0; k < rank; k++) source += index[k] * inStrides[perm[k]];
            output[o] = input[source];
            for (int k = rank - 1; k >= 0 && ++index[k] == outDims[k]; k--) index[k] = 0;
        }
        value = OnnxTensorData.FromFloats(node.Proto.Output[0], output, outDims);
        return true;
    }

    private static long[] Strides(long[] dims)
    {
        var strides = new long[dims.Length];
        long s = 1;
        for (int k = dims.Length - 1; k >= 0; k--) { strides[k] = s; s *= dims[k]; }
        return strides;
    }
}
