using System.Diagnostics;
using System.Text.Json;
using SnnConvert.Tests.Cli;
using SnnConvert.Tests.Models;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Determinism whatever the thread count: <c>train</c>, <c>convert</c> and <c>simulate</c> run once on one thread
/// (DOTNET_PROCESSORCOUNT=1, OPENBLAS_NUM_THREADS=1) and once with eight workers (DOTNET_PROCESSORCOUNT=8,
/// OPENBLAS_NUM_THREADS=2), and must give the same bytes: every tensor of the model and SNN files (the payload the
/// SHA-256 covers, minus the header's metadata, which records wall times and the processor count) and the same
/// simulation report. docs/reliability.md says why this holds (fixed chunks reduced in a fixed order).
/// </summary>
public sealed class ThreadCountDeterminismTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Train_convert_and_simulate_give_identical_bytes_on_one_thread_and_on_eight()
    {
        var one = Pipeline("one", processors: 1, blasThreads: 1);
        var eight = Pipeline("eight", processors: 8, blasThreads: 2);

        Assert.Equal(one.ModelPayload, eight.ModelPayload);
        Assert.Equal(one.Architecture, eight.Architecture);
        Assert.Equal(one.SnnPayload, eight.SnnPayload);
        Assert.Equal(one.Report, eight.Report);
    }

    private (byte[] ModelPayload, string Architecture, byte[] SnnPayload, string Report) Pipeline(string name, int processors, int blasThreads)
    {
        string dir = _temp.Sub(name), model = Path.Combine(dir, "m.snnm"), snn = Path.Combine(dir, "s.snn"), json = Path.Combine(dir, "r.json");
        var env = new Dictionary<string, string> { ["DOTNET_PROCESSORCOUNT"] = $"{processors}", ["OPENBLAS_NUM_THREADS"] = $"{blasThreads}" };
        Run(env, "train", "--model", "mnist-seed", "--epochs", "1", "--train-limit", "500", "--test-limit", "100", "--seed", "4", "--out", model);
        Run(env, "convert", "--model", model, "--calib-samples", "200", "--calib-steps", "8", "--out", snn);
        Run(env, "simulate", "--snn", snn, "--model", model, "--limit", "100", "--timesteps", "1,4,16", "--json", json);

        var modelFile = ContainerFiles.Read(File.ReadAllBytes(model));
        using var header = JsonDocument.Parse(modelFile.HeaderJson);
        string architecture = header.RootElement.GetProperty("header").GetProperty("architecture").GetRawText();
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        return (modelFile.Payload, architecture, ContainerFiles.Read(File.ReadAllBytes(snn)).Payload, report.RootElement.GetProperty("report").GetRawText());
    }

    private static void Run(Dictionary<string, string> env, params string[] args) =>
        CliProcess.RunSucceeding(env, 600, args);
}
