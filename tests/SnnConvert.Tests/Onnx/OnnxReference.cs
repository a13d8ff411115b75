using Microsoft.ML.OnnxRuntime;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Onnx;

/// <summary>ONNX Runtime as the reference, and the comparison of SnnConvert's outputs with it.</summary>
internal static class OnnxReference
{
    /// <summary>Runs the model's single input on <paramref name="input"/> (N, C, H, W) and returns the single output.</summary>
    public static float[] Run(byte[] model, Tensor input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        return Run(session, input, null, null);
    }

    /// <summary>
    /// Runs the model file at <paramref name="path"/> (external data is read beside it) on <paramref name="input"/>,
    /// given in the model's own input layout <paramref name="inputShape"/> (e.g. (N, H, W, C)) when not null, and
    /// returns the output named <paramref name="output"/> (default: the first).
    /// </summary>
    public static float[] RunFile(string path, Tensor input, string? output = null, long[]? inputShape = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(path, options);
        return Run(session, input, output, inputShape);
    }

    private static float[] Run(InferenceSession session, Tensor input, string? output, long[]? inputShape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, inputShape ?? input.Shape.Select(d => (long)d).ToArray());
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], [output ?? session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Row-wise softmax (or log-softmax) of (rows, columns) scores, in double: what a final Softmax node computes from the logits.</summary>
    public static float[] Softmax(float[] logits, int columns, bool log)
    {
        var result = new float[logits.Length];
        for (int r = 0; r < logits.Length / columns; r++)
        {
            var row = logits.AsSpan(r * columns, columns);
            double max = double.NegativeInfinity, sum = 0;
            foreach (float v in row) max = Math.Max(max, v);
            foreach (float v in row) sum += Math.Exp(v - max);
            for (int c = 0; c < columns; c++)
                result[r * columns + c] = (float)(log ? row[c] - max - Math.Log(sum) : Math.Exp(row[c] - max) / sum);
        }
        return result;
    }

    /// <summary>Max |actual - expected| after checking it is at most 1e-4 of the largest |expected|.</summary>
    public static string AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs(v)), diff = 0;
        for (int i = 0; i < expected.Length; i++) diff = Math.Max(diff, Math.Abs(expected[i] - actual[i]));
        Assert.True(scale > 0, $"{what}: ONNX Runtime output is all zeros; the comparison would say nothing");
        Assert.True(diff <= 1e-4 * scale, $"{what}: max |diff| {diff:G3} exceeds 1e-4 of the output scale {scale:G4}");
        return $"max |diff| {diff:G3} (output scale {scale:G3}, ratio {diff / scale:G2})";
    }

    /// <summary>A batch of <paramref name="n"/> images of <paramref name="shape"/> with values uniform in [0, 1).</summary>
    public static Tensor RandomImages(int n, int[] shape, int seed)
    {
        var random = new Random(seed);
        var t = new Tensor([n, .. shape]);
        for (int i = 0; i < t.Length; i++) t.Data[i] = (float)random.NextDouble();
        return t;
    }

    /// <summary>Max |SnnConvert - ONNX Runtime| after checking it is at most 1e-4 of the largest |output|; returns it as text with that scale.</summary>
    public static string AssertMatches(Network network, byte[] model, Tensor input, string what)
    {
        float[] expected = Run(model, input);
        Tensor actual = network.Forward(input, ForwardContext.Eval);
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(v => Math.Abs(v)), diff = 0;
        for (int i = 0; i < expected.Length; i++) diff = Math.Max(diff, Math.Abs(expected[i] - actual.Data[i]));
        Assert.True(scale > 0, $"{what}: ONNX Runtime output is all zeros; the comparison would say nothing");
        Assert.True(diff <= 1e-4 * scale, $"{what}: max |diff| {diff:G3} exceeds 1e-4 of the output scale {scale:G4}");
        return $"max |diff| {diff:G3} (logit scale {scale:G3}, ratio {diff / scale:G2})";
    }
}
