using SnnConvert.Kernels;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// An average pooling that does not follow a spiking weighted layer (e.g. on the input, ahead of the first weighted
/// layer): it pools whole maps of the block, one channel plane at a time.
/// </summary>
internal sealed class PoolingStage(SnnAvgPool2d pool, int index, int[] inShape) : BlockStage
{
    /// <summary>Its stage.</summary>
    public int Index { get; } = index;

    /// <summary>Pools the block's maps; the next stage counts their non-zero values itself.</summary>
    public override void Run(float[] input, float[] output, BlockWorkspace block, SpikeCounters counters)
    {
        Forward(input, block.Pairs, output);
        block.NonZeroKnown = false;
    }

    /// <summary>Pools <paramref name="maps"/> maps of <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Forward(float[] input, int maps, float[] output)
    {
        int c = inShape[0], h = inShape[1], w = inShape[2];
        int[] o = pool.OutputShape(inShape);
        ChunkedParallel.For(maps * c, (_, start, end) =>
            AvgPool2dKernel.ForwardPlanes(input.AsSpan(start * h * w), end - start, h, w, pool.Kernel, pool.Stride, output.AsSpan(start * o[1] * o[2]), o[1], o[2]));
    }
}
