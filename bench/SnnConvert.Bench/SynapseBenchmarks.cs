using BenchmarkDotNet.Attributes;
using SnnConvert.Layers;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Bench;

/// <summary>
/// One image's synaptic current of mnist-seed's second conv (12->64 5x5 on the pooled 12x12 spike map) and of
/// cifar10-vgg's fourth (64->64 3x3 pad 1 on 16x16): dense im2col + GEMM versus event-driven, at input densities
/// that converted networks show.
/// </summary>
public class SynapseBenchmarks
{
    private float[] _input = [], _output = [], _scratch = [];
    private EventDrivenConv2d _event = null!;
    private SnnConv2d _conv = null!;
    private Conv2dGeometry _g;
    private readonly ChunkBuffers _workspace = new();

    /// <summary>Layer: "mnist" or "cifar".</summary>
    [Params("mnist", "cifar")]
    public string Layer { get; set; } = "mnist";

    /// <summary>Fraction of non-zero inputs.</summary>
    [Params(0.02, 0.05, 0.1, 0.2, 0.4)]
    public double Density { get; set; }

    /// <summary>Builds the layer and a random sparse input.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        (int c, int h, int cout, int k, int pad) = Layer == "mnist" ? (12, 12, 64, 5, 0) : (64, 16, 64, 3, 1);
        _conv = new SnnConv2d(c, cout, k, 1, pad) { Weight = Enumerable.Range(0, cout * c * k * k).Select(_ => r.NextSingle() - 0.5f).ToArray(), Spiking = true };
        int[] shape = [c, h, h];
        _g = _conv.Spec.Geometry(shape);
        _event = new EventDrivenConv2d(_conv.Weight, _conv.Bias, _g);
        _input = Enumerable.Range(0, c * h * h).Select(_ => r.NextDouble() < Density ? r.Next(1, 5) / 4f : 0f).ToArray();
        _output = new float[_g.OutputSize];
        _scratch = new float[_event.ScratchSize];
    }

    /// <summary>im2col + GEMM.</summary>
    [Benchmark(Baseline = true)]
    public void Dense() => Conv2dKernel.Forward(_input, 1, _g, _conv.Weight, null, null, _output, _workspace);

    /// <summary>Event-driven accumulation.</summary>
    [Benchmark]
    public int EventDriven() => _event.Forward(_input, _output, _scratch);
}
