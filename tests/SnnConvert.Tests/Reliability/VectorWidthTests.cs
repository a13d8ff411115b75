using System.Diagnostics;
using System.Text.Json;
using SnnConvert.Tests.Cli;
using SnnConvert.Tests.Models;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Every vector width on any x86 machine: CI cannot choose its CPU, so the CLI runs as a child process at the default
/// width, with AVX-512 switched off (the AVX2 paths) and with AVX2 switched off (SSE only), and each run must give the
/// same bytes as the default one: the trained model (the training convolutions, forward and backward), the max-current
/// thresholds (the multi-step SNN runner) and the simulation reports of the dense and the event-driven engine (which
/// also agree with each other). Each child logs the width it used ("cpu: ...; vectors: N-bit"), so the test sees that
/// the switch took effect. .NET 10 reads DOTNET_EnableAVX512 (one knob for the AVX-512 family) and ignores the older
/// DOTNET_EnableAVX512F, which is why both are set. The kernels reduce in a fixed order whatever the lane count, so
/// the results are bit-identical today; a width-specific path that reorders additions must bound and document its
/// differences here, as the dense and event-driven engines do.
/// </summary>
public sealed class VectorWidthTests : IDisposable
{
    private static readonly Dictionary<string, string> NoAvx512 = new() { ["DOTNET_EnableAVX512F"] = "0", ["DOTNET_EnableAVX512"] = "0" };
    private static readonly Dictionary<string, string> SseOnly = new() { ["DOTNET_EnableAVX2"] = "0" };
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Training_calibration_and_both_engines_give_identical_bytes_with_AVX_512_off_and_with_SSE_only()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;   // the switches are x86's
        var wide = Pipeline("default", []);
        var avx2 = Pipeline("no-avx512", NoAvx512);
        var sse = Pipeline("sse", SseOnly);

        Assert.DoesNotContain("vectors: 512-bit", avx2.Cpu);
        Assert.Contains("AVX-512F no", avx2.Cpu);
        Assert.Contains("vectors: 128-bit", sse.Cpu);
        Assert.Contains("AVX2 no", sse.Cpu);
        foreach (var run in new[] { avx2, sse })
        {
            Assert.Equal(wide.Model, run.Model);
            Assert.Equal(wide.Snn, run.Snn);
            Assert.Equal(wide.Latency, run.Latency);
            Assert.Equal(wide.Dense, run.Dense);
            Assert.Equal(wide.EventDriven, run.EventDriven);
        }
        Assert.Equal(wide.Dense, wide.EventDriven);
        Assert.Contains("\"accuracy\"", wide.Dense);
    }

    [Fact]
    public void Managed_matrix_products_train_the_same_weights_at_every_vector_width()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;
        var managed = new Dictionary<string, string> { ["SNNCONVERT_BLAS"] = "managed" };
        var runs = new[] { ("default", managed), ("no-avx512", With(managed, NoAvx512)), ("sse", With(managed, SseOnly)) }
            .Select(c => Train(_temp.Sub("managed-" + c.Item1), c.Item2)).ToArray();

        Assert.All(runs, r => Assert.Contains("matrix products: managed", r.Log));
        Assert.Contains("vectors: 128-bit", runs[2].Log);
        Assert.Equal(runs[0].Payload, runs[1].Payload);
        Assert.Equal(runs[0].Payload, runs[2].Payload);
    }

    private static Dictionary<string, string> With(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Concat(b).ToDictionary(p => p.Key, p => p.Value);

    private (string Cpu, byte[] Model, byte[] Snn, byte[] Latency, string Dense, string EventDriven) Pipeline(string name, Dictionary<string, string> env)
    {
        string dir = _temp.Sub(name), snn = Path.Combine(dir, "s.snn"), latency = Path.Combine(dir, "t.snn");
        var (model, _) = Train(dir, env);
        string log = Run(env, "convert", "--model", RepositoryFiles.Path("models/mnist-seed.snnm"), "--calib-samples", "100", "--calib-steps", "8", "--out", snn);
        // A latency target: its thresholds come from the histogram fill, which has a path per width.
        Run(env, "convert", "--model", RepositoryFiles.Path("models/mnist-seed.snnm"), "--calib-samples", "100", "--calib-steps", "8", "--target-T", "4", "--out", latency);
        string Simulate(string engine)
        {
            string json = Path.Combine(dir, engine + ".json");
            Run(env, "simulate", "--snn", snn, "--limit", "100", "--timesteps", "1,4,16", "--engine", engine, "--json", json);
            using var report = JsonDocument.Parse(File.ReadAllText(json));
            return report.RootElement.GetProperty("report").GetRawText();
        }
        string cpu = log.Split('\n').Single(l => l.StartsWith("cpu: ", StringComparison.Ordinal));
        return (cpu, model, ContainerFiles.Read(File.ReadAllBytes(snn)).Payload, ContainerFiles.Read(File.ReadAllBytes(latency)).Payload,
            Simulate("dense"), Simulate("event-driven"));
    }

    private static (byte[] Payload, string Log) Train(string dir, Dictionary<string, string> env)
    {
        string model = Path.Combine(dir, "m.snnm");
        string log = Run(env, "train", "--model", "mnist-seed", "--epochs", "1", "--train-limit", "200", "--test-limit", "50", "--seed", "4", "--out", model);
        return (ContainerFiles.Read(File.ReadAllBytes(model)).Payload, log);
    }

    private static string Run(Dictionary<string, string> env, params string[] args) =>
        CliProcess.RunSucceeding(env, 120, args);
}
