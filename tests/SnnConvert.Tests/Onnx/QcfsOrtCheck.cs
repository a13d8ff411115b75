using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SnnConvert.Layers;
using SnnConvert.Onnx.Proto;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Onnx;

/// <summary>
/// Bit-for-bit checks of QCFS activations against ONNX Runtime: each activation of a model is fed the very input ONNX
/// Runtime gave it (so that the convolutions and dense layers before it, which sum in another order, do not matter), and
/// inputs placed exactly at and beside the jumps of Floor.
/// </summary>
internal static class QcfsOrtCheck
{
    /// <summary>
    /// Runs <paramref name="proto"/> in ONNX Runtime on <paramref name="input"/> with the values named in
    /// <paramref name="layers"/> (each activation's input and output) as extra outputs, runs each layer on the input ONNX
    /// Runtime gave it and requires its output equal to ONNX Runtime's bit for bit. Returns the graph output and the number
    /// of activation elements compared.
    /// </summary>
    public static (float[] Output, int Compared) CompareLayers(ModelProto proto, Tensor input, IReadOnlyList<(string In, string Out, QcfsLayer Layer)> layers)
    {
        proto = proto.Clone();
        string[] names = [proto.Graph.Output[0].Name, .. layers.SelectMany(l => new[] { l.In, l.Out })];
        foreach (string name in names.Skip(1).Distinct().Where(n => proto.Graph.Output.All(o => o.Name != n)))
            proto.Graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(proto.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], names);
        var tensors = outputs.Select(o => new Tensor(o.GetTensorDataAsSpan<float>().ToArray(), o.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray())).ToArray();

        int compared = 0;
        for (int k = 0; k < layers.Count; k++)
        {
            Tensor z = tensors[1 + 2 * k], expected = tensors[2 + 2 * k];
            Tensor actual = layers[k].Layer.Forward(z, ForwardContext.Eval);
            AssertBitwise(expected.Data, actual.Data, $"QCFS {k} (\"{layers[k].In}\" -> \"{layers[k].Out}\")");
            compared += z.Length;
        }
        return (tensors[0].Data, compared);
    }

    /// <summary>Requires the two arrays equal bit for bit (the sign of zero included).</summary>
    public static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}, element {i}: ONNX Runtime {expected[i]:R}, SnnConvert {actual[i]:R}");
    }

    /// <summary>
    /// n samples of per-sample <paramref name="shape"/> whose values lie at the jumps of Floor, z = (k + 1/2) lambda / L for
    /// k from -2 to L + 1, computed in float, moved by -2 to 2 ulps, and at 0, -0 and lambda; lambda per channel (dimension 1)
    /// or, with <paramref name="perFeature"/>, per element of a sample.
    /// </summary>
    public static Tensor AtSteps(int n, int[] shape, int levels, float[] lambda, bool perFeature, int seed)
    {
        var random = new Random(seed);
        var t = new Tensor([n, .. shape]);
        int features = t.Length / n, plane = features / shape[0];
        for (int e = 0; e < t.Length; e++)
        {
            float l = lambda[lambda.Length == 1 ? 0 : perFeature ? e % features : e % features / plane];
            int pick = random.Next(20);
            float z = pick switch
            {
                0 => 0f,
                1 => -0f,
                2 => l,
                _ => (random.Next(-2, levels + 2) + 0.5f) / levels * l,
            };
            for (int shift = random.Next(-2, 3); shift != 0; shift -= Math.Sign(shift))
                z = shift > 0 ? MathF.BitIncrement(z) : MathF.BitDecrement(z);
            t.Data[e] = z;
        }
        return t;
    }

    /// <summary>
    /// How many of the elements of <paramref name="z"/> the QCFS activation computed as z (L / lambda) (one rounding fewer
    /// than the exported z / lambda, then times L) puts on another level: the elements where the order of operations matters.
    /// </summary>
    public static int OrderSensitive(Tensor z, int levels, float[] lambda, bool perFeature)
    {
        int n = z.Dim(0), features = z.Length / n, plane = features / z.Dim(1), count = 0;
        for (int e = 0; e < z.Length; e++)
        {
            float l = lambda[lambda.Length == 1 ? 0 : perFeature ? e % features : e % features / plane];
            float exported = MathF.Floor(Math.Clamp(z.Data[e] / l, 0f, 1f) * levels + 0.5f);
            float other = Math.Clamp(MathF.Floor(z.Data[e] * (levels / l) + 0.5f), 0f, levels);
            if (exported != other) count++;
        }
        return count;
    }
}
