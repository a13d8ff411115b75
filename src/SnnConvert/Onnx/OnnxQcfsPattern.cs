using SnnConvert.Layers;
using SnnConvert.Onnx.Proto;

namespace SnnConvert.Onnx;

/// <summary>
/// Recognises the QCFS activation h(z) = lambda * clip(floor(z * L / lambda + 1/2) / L, 0, 1) (Bu et al. 2022) written in
/// standard operators, in either of the two orders of the authors' PyTorch code:
///   clamp first (ANN_SNN_QCFS, module IF): Div by lambda, Clip(0, 1), Mul by L, Add 1/2, Floor, Div by L, Mul by lambda;
///   clamp after Floor (SNN_conversion_QCFS, module MyFloor): Div by lambda, Mul by L, Add 1/2, Floor, Div by L, Clip(0, 1), Mul by lambda.
/// Read more generally as
///   scalings s0, bounds [lo, hi], scalings s1, Add a, Floor, scalings s2                 (clamp first), or
///   scalings s1, Add a, Floor, scalings s2, bounds [lo, hi], scalings s3                 (clamp after Floor)
/// where a scaling is a Mul or Div by a constant and the bounds are a Clip (attributes before opset 11, inputs from 11),
/// Max and Min in either order, or Relu and Min. It is QCFS when a = 1/2, lo = 0 and, clamp first, L = hi s1 is a whole
/// number and s2 L = hi / s0 = lambda, or, clamp after Floor, L = hi / s2 is whole and s3 s2 L = L / s1 = lambda (relative
/// 1e-5); per channel where a constant has one value per channel ((C, 1, 1) or (1, C, 1, 1) on (N, C, H, W), (F) or (1, F)
/// on (N, F)). lambda is taken from the scalings after Floor (and the clip), so the threshold the graph multiplies by last
/// comes back as it was written.
/// </summary>
internal sealed class OnnxQcfsPattern
{
    /// <summary>The form named in messages.</summary>
    public const string Form = "Div by lambda (or Mul by 1/lambda), Clip(0, 1) (or Max 0 and Min 1), Mul by L, Add 1/2, Floor, Div by L, Mul by lambda; " +
        "or the clip after Floor: Div by lambda, Mul by L, Add 1/2, Floor, Div by L, Clip(0, 1), Mul by lambda";

    private const double Tolerance = 1e-5;

    private readonly OnnxGraph _graph;
    private readonly Func<string, TensorProto?> _constant;   // a constant's value (Identity aliases followed), or null
    private readonly OnnxNode _first;
    private readonly int _channels;
    private readonly bool _image;
    private readonly List<OnnxNode> _nodes = [];
    private string _current;
    private bool _perChannel;

    private OnnxQcfsPattern(OnnxGraph graph, Func<string, TensorProto?> constant, OnnxNode first, string input, int[] shape)
    {
        _graph = graph;
        _constant = constant;
        _first = first;
        _current = input;
        _image = shape.Length == 3;
        _channels = shape[0];
    }

    /// <summary>
    /// Whether <paramref name="node"/> may start the pattern (after the first layer): a scaling, the shift or Floor, or a
    /// bound (Clip, Max, Min, Relu) when a chain of bounds, scalings and the shift leads from it to Floor (else a Clip or Relu
    /// there is a ReLU).
    /// </summary>
    public static bool Starts(OnnxGraph graph, OnnxNode node)
    {
        if (node.Op is "Div" or "Mul" or "Add" or "Floor") return true;
        for (int step = 0; step < 8 && node.Op is "Clip" or "Max" or "Min" or "Relu" or "Mul" or "Div" or "Add"; step++)
        {
            if (node.Proto.Output.Count != 1 || node.Proto.Output[0] == graph.Output) return false;
            var readers = graph.Consumers(node.Proto.Output[0]).Where(n => n.Op != "Shape").ToList();
            if (readers.Count != 1) return false;
            node = readers[0];
            if (node.Op == "Floor") return true;
        }
        return false;
    }

    /// <summary>
    /// Reads the pattern starting at <paramref name="first"/>, whose input <paramref name="input"/> is an activation of
    /// per-sample shape <paramref name="shape"/> ((C, H, W) or (F)).
    /// </summary>
    /// <returns>The layer, its thresholds (one or one per channel), the nodes it spans in order, and its output.</returns>
    /// <exception cref="Errors.OnnxFormatException">The nodes are not this pattern; the message names the node where it departs from it.</exception>
    public static (QcfsSpec Spec, float[] Lambda, IReadOnlyList<OnnxNode> Nodes, string Output) Read(
        OnnxGraph graph, Func<string, TensorProto?> constant, OnnxNode first, string input, int[] shape)
    {
        if (shape.Length is not (1 or 3))
            throw first.Error($"input has per-sample shape {Tensors.Tensor.ShapeToText(shape)}; a QCFS activation is imported on (N, C, H, W) or (N, F)");
        return new OnnxQcfsPattern(graph, constant, first, input, shape).Walk();
    }

    private (QcfsSpec, float[], IReadOnlyList<OnnxNode>, string) Walk()
    {
        OnnxNode? node = _first;
        double[] s0 = Ones();
        while (node is { Op: "Mul" or "Div" })
            node = Scale(node, s0, beforeFloor: true);
        return node is { Op: "Clip" or "Max" or "Min" or "Relu" } ? ClampFirst(node, s0) : ClampAfterFloor(node, s0);
    }

    // scalings s0 (read by the caller), bounds [lo, hi], scalings s1, Add a, Floor, scalings s2.
    private (QcfsSpec, float[], IReadOnlyList<OnnxNode>, string) ClampFirst(OnnxNode clip, double[] s0)
    {
        double[] s1 = Ones(), s2 = Ones();
        (double[] lo, double[] hi, OnnxNode? node) = Bounds(clip, beforeFloor: true);
        while (node is { Op: "Mul" or "Div" })
            node = Scale(node, s1, beforeFloor: true);
        (OnnxNode add, double[] shift, OnnxNode floor) = ShiftAndFloor(node);
        node = Next(floor, beforeFloor: false);
        while (node is { Op: "Mul" or "Div" } && HasConstantOperand(node))
            node = Scale(node, s2, beforeFloor: false);

        RequirePositive(s0, _first, "the scaling before the clip (1 / lambda)");
        RequireShift(shift, add);
        RequireLowerBound(lo, clip);
        RequirePositive(s1, add, "the scaling between the clip and the Add (L)");
        double levels = Levels(Enumerable.Range(0, _channels).Select(c => hi[c] * s1[c]).ToArray(), clip,
            c => $"the upper bound {hi[c]} times the scaling {s1[c]} before Floor");
        return Result(levels, c => hi[c] / s0[c], c => s2[c] * levels, "before the clip", "after Floor");
    }

    // scalings s1 (read by the caller), Add a, Floor, scalings s2, bounds [lo, hi], scalings s3.
    private (QcfsSpec, float[], IReadOnlyList<OnnxNode>, string) ClampAfterFloor(OnnxNode? node, double[] s1)
    {
        double[] s2 = Ones(), s3 = Ones();
        (OnnxNode add, double[] shift, OnnxNode floor) = ShiftAndFloor(node);
        node = Next(floor, beforeFloor: false) ?? throw Incomplete(floor);
        while (node is { Op: "Mul" or "Div" })
            node = Scale(node, s2, beforeFloor: false) ?? throw Incomplete(_nodes[^1]);
        OnnxNode clip = node;
        (double[] lo, double[] hi, node) = Bounds(node, beforeFloor: false);
        while (node is { Op: "Mul" or "Div" } && HasConstantOperand(node))
            node = Scale(node, s3, beforeFloor: false);

        RequirePositive(s1, _first, "the scaling before Floor (L / lambda)");
        RequireShift(shift, add);
        RequirePositive(s2, clip, "the scaling between Floor and the clip (1 / L)");
        RequireLowerBound(lo, clip);
        double levels = Levels(Enumerable.Range(0, _channels).Select(c => hi[c] / s2[c]).ToArray(), clip,
            c => $"the upper bound {hi[c]} over the scaling {s2[c]} after Floor");
        return Result(levels, c => levels / s1[c], c => s3[c] * s2[c] * levels, "before Floor", "after the clip");
    }

    // The Add of a constant (the shift) and the Floor after it.
    private (OnnxNode Add, double[] Shift, OnnxNode Floor) ShiftAndFloor(OnnxNode? node)
    {
        if (node is not { Op: "Add" }) throw NotQcfs(node, "the Add of 1/2 before Floor");
        OnnxNode add = node;
        double[] shift = Operand(add);
        node = Next(add, beforeFloor: true);
        if (node is not { Op: "Floor" }) throw NotQcfs(node, "Floor after the Add");
        OnnxNode floor = Step(node);
        node.RequireKnownAttributes();
        node.RequireAtMostInputs(1);
        return (add, shift, floor);
    }

    private void RequirePositive(double[] scale, OnnxNode node, string what)
    {
        int bad = Array.FindIndex(scale, s => !(s > 0));
        if (bad >= 0) throw node.Error($"{what} is {scale[bad]}" + (_perChannel ? $" for channel {bad}" : "") + $"; it must be positive (pattern: {Form})");
    }

    private static void RequireShift(double[] shift, OnnxNode add)
    {
        int bad = Array.FindIndex(shift, a => Math.Abs(a - 0.5) > 1e-6);
        if (bad >= 0) throw add.Error($"adds {shift[bad]} before Floor; a QCFS activation shifts by 1/2 (floor(z L / lambda + 1/2); pattern: {Form})");
    }

    private static void RequireLowerBound(double[] lo, OnnxNode clip)
    {
        int bad = Array.FindIndex(lo, v => v != 0);
        if (bad >= 0) throw clip.Error($"the lower bound is {lo[bad]}; a QCFS activation clips at 0 (pattern: {Form})");
    }

    // L from its value per channel, which must be the same whole number >= 1 for all; `what` describes where a value came from.
    private double Levels(double[] perChannel, OnnxNode clip, Func<int, string> what)
    {
        double levels = Math.Round(perChannel[0]);
        int bad = Array.FindIndex(perChannel, l => !(Math.Abs(l - levels) <= 1e-4 * levels));
        if (levels < 1 || levels > 1 << 20 || bad >= 0)
        {
            int c = Math.Max(bad, 0);
            throw clip.Error($"{what(c)} gives {perChannel[c]} levels" + (_perChannel ? $" for channel {c}" : "") +
                $"; a QCFS activation has a whole number L >= 1 of levels, the same for every channel (pattern: {Form})");
        }
        return levels;
    }

    // lambda per channel from the scalings after Floor, checked against the one implied before it.
    private (QcfsSpec, float[], IReadOnlyList<OnnxNode>, string) Result(double levels, Func<int, double> fromStart, Func<int, double> fromEnd,
        string start, string end)
    {
        OnnxNode last = _nodes[^1];
        var lambda = new float[_perChannel ? _channels : 1];
        for (int c = 0; c < lambda.Length; c++)
        {
            double after = fromEnd(c), before = fromStart(c);
            if (!(after > 0) || !double.IsFinite(after) || (float)after == 0f)
                throw last.Error($"the scaling {end} gives the threshold {after}" + (_perChannel ? $" for channel {c}" : "") + $"; it must be positive (pattern: {Form})");
            if (Math.Abs(after / before - 1) > Tolerance)
                throw last.Error($"the QCFS activation from {_first.Describe} divides by the threshold {before:G9} {start} but multiplies by {after:G9} {end}" +
                    (_perChannel ? $" (channel {c})" : "") + $"; both must be the same lambda (pattern: {Form})");
            lambda[c] = (float)after;
        }
        return (new QcfsSpec((int)levels, lambda.Length), lambda, _nodes, _current);
    }

    // Mul or Div of the activation by a constant: multiplies `scale` by it (by its reciprocal for Div); returns the next node.
    private OnnxNode? Scale(OnnxNode node, double[] scale, bool beforeFloor)
    {
        if (node.Op == "Div" && node.Proto.Input.Count == 2 && node.Proto.Input[0] != _current)
            throw node.Error($"divides a constant by the activation; a QCFS activation divides the activation by a constant (pattern: {Form})");
        double[] value = Operand(node);
        for (int c = 0; c < _channels; c++)
        {
            if (node.Op == "Div" && value[c] == 0) throw node.Error("divides by zero");
            scale[c] = node.Op == "Div" ? scale[c] / value[c] : scale[c] * value[c];
        }
        return Next(node, beforeFloor);
    }

    // The clip to [lo, hi]: one Clip, or Max (or Relu) and Min in either order. Returns the bounds and the node after.
    private (double[] Lo, double[] Hi, OnnxNode? Next) Bounds(OnnxNode node, bool beforeFloor)
    {
        double[] lo = Filled(double.NegativeInfinity), hi = Filled(double.PositiveInfinity);
        OnnxNode? next;
        switch (node.Op)
        {
            case "Clip":
                if (node.Proto.Input[0] != _current) throw node.Error("the activation must be its first input");
                Step(node);
                node.RequireKnownAttributes("min", "max");
                node.RequireAtMostInputs(3);
                lo = Filled(node.Float("min", float.NegativeInfinity));
                hi = Filled(node.Float("max", float.PositiveInfinity));
                if (node.Input(1) is not null) lo = Filled(ScalarInput(node, 1, "min"));
                if (node.Input(2) is not null) hi = Filled(ScalarInput(node, 2, "max"));
                next = Next(node, beforeFloor);
                break;
            case "Max" or "Relu" or "Min":
                bool lower = node.Op != "Min";
                Bound(node, lower ? lo : hi);
                next = Next(node, beforeFloor) ?? throw Incomplete(node);
                string other = lower ? "Min" : "Max or Relu";
                if (lower ? next.Op != "Min" : next.Op is not ("Max" or "Relu"))
                    throw next.Error($"follows the {node.Op} of the QCFS activation from {_first.Describe}; expected {other}, to bound it on the other side (pattern: {Form})");
                Bound(next, lower ? hi : lo);
                next = Next(next, beforeFloor);
                break;
            default:
                throw node.Error($"follows Floor (and its scaling) in the QCFS activation from {_first.Describe}; expected Clip, or Max and Min, to bound it to [0, 1] " +
                    $"(or the clip before the Add of 1/2; pattern: {Form})");
        }
        if (hi.Any(double.IsInfinity))
            throw _nodes[^1].Error($"the QCFS activation from {_first.Describe} has no upper bound; expected Clip(0, 1) (or Max 0 and Min 1) (pattern: {Form})");
        return (lo, hi, next);
    }

    private void Bound(OnnxNode node, double[] bound)
    {
        if (node.Op == "Relu")
        {
            Step(node);
            node.RequireKnownAttributes();
            Array.Fill(bound, 0.0);
            return;
        }
        double[] value = Operand(node);
        value.CopyTo(bound, 0);
    }

    // The per-channel constant operand of a binary node whose other input is the current activation; steps over the node.
    private double[] Operand(OnnxNode node)
    {
        string activation = _current;
        Step(node);
        node.RequireKnownAttributes();
        if (node.Proto.Input.Count != 2) throw node.Error($"has {node.Proto.Input.Count} inputs; in a QCFS activation it takes the activation and one constant (pattern: {Form})");
        int slot = node.Proto.Input[0] == activation ? 1 : 0;
        if (node.Proto.Input[1 - slot] != activation || node.Proto.Input[slot] == activation)
            throw node.Error($"does not read the activation \"{activation}\" once; in a QCFS activation it takes the activation and one constant");
        string name = node.Proto.Input[slot];
        TensorProto t = _constant(name) ?? throw node.Error($"input \"{name}\" is not a constant (initializer or Constant node); the QCFS activation needs constant thresholds and levels (pattern: {Form})");
        string where = $"{_graph.Source}: {node.Describe}: constant \"{t.Name}\"";
        float[] values = OnnxTensorData.Floats(t, where);
        long[] dims = OnnxTensorData.Dims(t, where);
        if (values.Length == 1 && dims.Length <= 4) return Filled(values[0]);
        bool perChannel = _image
            ? dims.Length is 3 or 4 && dims[^3] == _channels && dims[^2] == 1 && dims[^1] == 1 && (dims.Length == 3 || dims[0] == 1)
            : dims.Length is 1 or 2 && dims[^1] == _channels && (dims.Length == 1 || dims[0] == 1);
        if (!perChannel)
            throw node.Error($"constant \"{t.Name}\" has shape {OnnxTensorData.Text(dims)}; in a QCFS activation it is a scalar or one value per channel, shaped " +
                (_image ? $"({_channels}, 1, 1) or (1, {_channels}, 1, 1)" : $"({_channels}) or (1, {_channels})"));
        _perChannel = true;
        return values.Select(v => (double)v).ToArray();
    }

    private double ScalarInput(OnnxNode node, int input, string role)
    {
        string name = node.Input(input)!;
        TensorProto t = _constant(name) ?? throw node.Error($"{role} \"{name}\" is not a constant");
        float[] values = OnnxTensorData.Floats(t, $"{_graph.Source}: {node.Describe}: {role} \"{t.Name}\"");
        return values.Length == 1 ? values[0] : throw node.Error($"{role} has shape {OnnxTensorData.Text(t.Dims.ToArray())}, expected a scalar");
    }

    private bool HasConstantOperand(OnnxNode node) =>
        node.Proto.Input.Count == 2 && node.Proto.Input.Count(i => i == _current) == 1 && node.Proto.Input.Any(i => i != _current && _constant(i) is not null)
        && (node.Op == "Mul" || node.Proto.Input[0] == _current);

    // Takes `node` into the pattern; its output becomes the current activation.
    private OnnxNode Step(OnnxNode node)
    {
        if (_nodes.Contains(node)) throw node.Error("is reached twice; the graph has a cycle");
        if (node.Proto.Output.Count != 1 || node.Proto.Output[0].Length == 0) throw node.Error("expected one output");
        _nodes.Add(node);
        _current = node.Proto.Output[0];
        return node;
    }

    // The one node reading the current activation, or null at the graph output (which may end the pattern only after Floor).
    private OnnxNode? Next(OnnxNode node, bool beforeFloor)
    {
        List<OnnxNode> readers = _graph.Consumers(_current).Where(n => n.Op != "Shape").ToList();
        if (_current == _graph.Output)
        {
            if (readers.Count > 0) throw node.Error($"its output \"{_current}\" is the graph output and also feeds {readers[0].Describe}; only a chain of layers is imported");
            if (beforeFloor) throw NotQcfs(null, "Floor");
            return null;
        }
        if (readers.Count != 1)
            throw node.Error(readers.Count == 0
                ? $"its output \"{_current}\" is read by no node and is not the graph output \"{_graph.Output}\""
                : $"branch: its output \"{_current}\" feeds {string.Join(" and ", readers.Select(r => r.Describe))}; only a chain of layers is imported");
        return readers[0];
    }

    // Before Floor the nodes may be anything else; say what the first one is imported as, and why it is not that here.
    private Errors.OnnxFormatException NotQcfs(OnnxNode? found, string expected)
    {
        string what = found is null ? $"the graph output \"{_graph.Output}\"" : found.Describe;
        string role = _first.Op switch
        {
            "Mul" => "operator Mul is not supported after the first layer: a Mul by a constant is imported as input normalisation before the first layer or",
            "Div" => "Div is imported only as input normalisation before the first layer ((x - mean) / std) or",
            "Add" => "Add is imported only as a constant bias right after a Conv, Gemm or MatMul, as input normalisation before the first layer, or",
            "Clip" or "Relu" => $"{_first.Op} is imported only as ReLU (not followed by Floor) or",
            _ => $"{_first.Op} is imported only",
        };
        return _first.Error($"{role} as part of a QCFS activation ({Form}); here {what} comes where {expected} should");
    }

    private Errors.OnnxFormatException Incomplete(OnnxNode node) =>
        node.Error($"the QCFS activation from {_first.Describe} ends at the graph output \"{_graph.Output}\" before its clip (pattern: {Form})");

    private double[] Ones() => Filled(1.0);

    private double[] Filled(double value) => Enumerable.Repeat(value, _channels).ToArray();
}
