using Xunit;

namespace SnnConvert.Tests.Cli;

/// <summary><c>train --activation qcfs --levels L --threshold-granularity layer|channel [--init m.snnm]</c>, and QCFS models in <c>eval</c> and <c>models</c>.</summary>
public sealed class QcfsTrainCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private string[] Train(params string[] extra) =>
        ["train", "--model", "mnist-seed", "--epochs", "1", "--train-limit", "200", "--test-limit", "100", "--out", _temp.File("m.snnm"), .. extra];

    [Theory]
    [InlineData("--levels", "--activation", "qcfs")]                                   // qcfs needs L
    [InlineData("--levels", "--levels", "4")]                                          // L only with qcfs
    [InlineData("--threshold-granularity", "--threshold-granularity", "channel")]       // granularity only with qcfs
    [InlineData("--activation", "--activation", "sigmoid")]
    [InlineData("--threshold-granularity", "--activation", "qcfs", "--levels", "4", "--threshold-granularity", "neuron")]
    [InlineData("--levels", "--activation", "qcfs", "--levels", "0")]
    [InlineData("--init", "--init", "no-such-model.snnm")]
    public void Bad_activation_flags_exit_with_the_usage_code_naming_the_flag(string flag, params string[] args)
    {
        var (code, _, err) = CliProcess.Run(60, Train(args));
        Assert.Equal(2, code);
        Assert.Contains(flag, err);
    }

    [Fact]
    public void An_initial_model_of_another_architecture_is_a_usage_error_naming_the_file_and_the_layer()
    {
        string init = RepositoryFiles.Path("models/fmnist-net.snnm");
        var (code, _, err) = CliProcess.Run(120, Train("--activation", "qcfs", "--levels", "4", "--init", init));
        Assert.Equal(2, code);
        Assert.Contains("--init", err);
        Assert.Contains("fmnist-net.snnm", err);
        Assert.Contains("layer 0", err);
    }

    [Fact]
    public void Fine_tuning_the_bundled_model_as_QCFS_writes_a_model_that_eval_and_models_show()
    {
        var train = CliProcess.Run(300, Train("--activation", "qcfs", "--levels", "4", "--threshold-granularity", "channel", "--lr", "1e-4",
            "--init", RepositoryFiles.Path("models/mnist-seed.snnm")));
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("before training", train.Err + train.Out);

        var eval = CliProcess.Run(120, "eval", "--model", _temp.File("m.snnm"), "--limit", "200");
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Contains("threshold 1: qcfs L=4 per-channel 12 lambda", eval.Out);
        Assert.Contains("threshold 5: qcfs L=4 per-channel 64 lambda", eval.Out);

        var models = CliProcess.Run(60, "models", "--activation", "qcfs", "--levels", "8", "--layers");
        Assert.True(models.ExitCode == 0, models.Err);
        Assert.Contains("qcfs L=8", models.Out);
        Assert.DoesNotContain("relu", models.Out);
    }
}
