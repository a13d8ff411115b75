using SnnConvert.Kernels;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Kernels;

/// <summary>The vectorised pooling of spike maps equals the plane pooling kernel exactly.</summary>
public class SpikePoolingTests
{
    [Theory]
    [InlineData(12, 24, 24, 2, 2)]   // mnist-seed conv1: 8 + 4 outputs per row (both vector widths)
    [InlineData(32, 32, 32, 2, 2)]   // cifar10-vgg 32x32 maps: two vectors per row
    [InlineData(3, 8, 8, 2, 2)]      // mnist-seed conv2: 4 outputs per row
    [InlineData(2, 12, 13, 2, 2)]    // 4 outputs and a scalar tail of 2
    [InlineData(2, 6, 6, 2, 2)]      // scalar tail only
    [InlineData(2, 7, 19, 2, 2)]     // odd sizes: the last row and column are dropped
    [InlineData(2, 9, 9, 3, 3)]      // other windows: the layer's general path
    [InlineData(2, 8, 8, 2, 1)]
    public void Equals_the_layer_pooling(int channels, int h, int w, int kernel, int stride)
    {
        var random = new Random(channels * 100 + w);
        var spikes = new float[channels * h * w];
        for (int i = 0; i < spikes.Length; i++) spikes[i] = random.Next(3) == 0 ? 1f : 0f;
        var pool = new SnnAvgPool2d(kernel, stride);
        int[] inShape = [channels, h, w], outShape = pool.OutputShape(inShape);
        int planeOut = outShape[1] * outShape[2];
        var expected = new float[channels * planeOut];
        for (int c = 0; c < channels; c++)
            AvgPool2dKernel.Forward(spikes.AsSpan(c * h * w, h * w), h, w, kernel, stride, expected.AsSpan(c * planeOut, planeOut), outShape[1], outShape[2]);
        var actual = new float[expected.Length];
        SpikePooling.Forward(kernel, stride, inShape, outShape, spikes, actual);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, v => v > 0 && v < 1);   // the maps are neither empty nor trivially full
    }
}
