using SnnConvert.Tests.Cli;
using Xunit;

namespace SnnConvert.Tests.Onnx;

/// <summary>The --onnx option and the export command as a user runs them.</summary>
public sealed class OnnxCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private string _dir => _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ExportedModelEvaluatesConvertsAndSimulatesThroughOnnx()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), onnx = Path.Combine(_dir, "m.onnx"), snn = Path.Combine(_dir, "s.snn");
        var export = CliProcess.Run(120, "export", "--model", model, "--onnx", onnx);
        Assert.True(export.ExitCode == 0, export.Err);
        Assert.Contains("opset 13", export.Out);

        var fromModel = CliProcess.Run(120, "eval", "--model", model, "--limit", "200");
        var fromOnnx = CliProcess.Run(120, "eval", "--onnx", onnx, "--dataset", "mnist", "--limit", "200");
        Assert.True(fromOnnx.ExitCode == 0, fromOnnx.Err);
        string Accuracy(string output) => output.Split('\n').Single(l => l.StartsWith("accuracy:"));
        Assert.Equal(Accuracy(fromModel.Out), Accuracy(fromOnnx.Out));

        var convert = CliProcess.Run(300, "convert", "--onnx", onnx, "--dataset", "mnist", "--method", "max-current", "--out", snn,
            "--calib-samples", "100", "--calib-steps", "8");
        Assert.True(convert.ExitCode == 0, convert.Err);
        var simulate = CliProcess.Run(300, "simulate", "--snn", snn, "--onnx", onnx, "--limit", "50", "--timesteps", "8");
        Assert.True(simulate.ExitCode == 0, simulate.Err);
        Assert.Contains("agreement", simulate.Out);
    }

    [Fact]
    public void ModelAndOnnxTogetherOrNeitherAreUsageErrorsAndABadOnnxFileHasItsOwnCode()
    {
        string model = RepositoryFiles.Path("models/mnist-seed.snnm"), onnx = Path.Combine(_dir, "bad.onnx");
        File.WriteAllText(onnx, "not an onnx model");
        var both = CliProcess.Run(60, "eval", "--model", model, "--onnx", onnx, "--dataset", "mnist");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--onnx", both.Err);
        Assert.Equal(2, CliProcess.Run(60, "convert", "--dataset", "mnist", "--out", Path.Combine(_dir, "s.snn")).ExitCode);
        var bad = CliProcess.Run(60, "eval", "--onnx", onnx, "--dataset", "mnist");
        Assert.Equal(9, bad.ExitCode);
        Assert.Contains(onnx, bad.Err);
    }
}
