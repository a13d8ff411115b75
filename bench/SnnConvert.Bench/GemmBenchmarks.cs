using BenchmarkDotNet.Attributes;
using SnnConvert.Tensors;

namespace SnnConvert.Bench;

/// <summary>OpenBLAS against the managed fallback on the conv shapes of the zoo (Cout x Cin*K*K times Cin*K*K x H*W).</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private readonly IGemm _managed = new ManagedGemm();
    private readonly IGemm? _openBlas = OpenBlasGemm.TryLoad();

    /// <summary>(m, n, k) of the product.</summary>
    [Params("12x576x25", "64x64x300", "64x1024x576")]
    public string Shape { get; set; } = "";

    private (int M, int N, int K) Dims => Shape.Split('x').Select(int.Parse).ToArray() switch { var d => (d[0], d[1], d[2]) };

    /// <summary>Allocates random operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k) = Dims;
        var r = new Random(1);
        _a = Enumerable.Range(0, m * k).Select(_ => r.NextSingle()).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => r.NextSingle()).ToArray();
        _c = new float[m * n];
    }

    /// <summary>The managed fallback.</summary>
    [Benchmark(Baseline = true)]
    public void Managed()
    {
        var (m, n, k) = Dims;
        _managed.Sgemm(false, false, m, n, k, 1f, _a, k, _b, n, 0f, _c, n);
    }

    /// <summary>OpenBLAS (skipped work when it is not installed).</summary>
    [Benchmark]
    public void OpenBlas()
    {
        var (m, n, k) = Dims;
        _openBlas?.Sgemm(false, false, m, n, k, 1f, _a, k, _b, n, 0f, _c, n);
    }
}
