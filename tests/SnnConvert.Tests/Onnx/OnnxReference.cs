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
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
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
