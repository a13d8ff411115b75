using BenchmarkDotNet.Attributes;
using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Bench;

/// <summary>Forward and backward of the widest conv layer of cifar10-vgg (64->64 3x3 pad 1 on 16x16), batch 64.</summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private Conv2dLayer _conv = null!;
    private Tensor _input = null!, _grad = null!;

    /// <summary>Builds the layer and random tensors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        _conv = new Conv2dLayer(new Conv2dSpec(64, 64, 3, Padding: 1), r);
        _input = new Tensor(64, 64, 16, 16);
        _grad = new Tensor(64, 64, 16, 16);
        for (int i = 0; i < _input.Length; i++) { _input.Data[i] = r.NextSingle(); _grad.Data[i] = r.NextSingle() - 0.5f; }
    }

    /// <summary>Forward only.</summary>
    [Benchmark]
    public Tensor Forward() => _conv.Forward(_input, ForwardContext.Eval);

    /// <summary>Forward and backward.</summary>
    [Benchmark]
    public Tensor ForwardBackward()
    {
        _conv.Forward(_input, ForwardContext.Eval);
        return _conv.Backward(_grad);
    }
}
