using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

/// <summary>BlockTranspose against index arithmetic, with full 8x8 blocks, ragged edges and strides wider than rows.</summary>
public sealed class BlockTransposeTests
{
    [Theory]
    [InlineData(8, 8, 8, 8)]
    [InlineData(19, 13, 21, 20)]
    [InlineData(3, 32, 40, 5)]
    [InlineData(64, 4, 4, 64)]
    public void Transpose_matches_index_arithmetic(int rows, int cols, int srcStride, int dstStride)
    {
        float[] src = Enumerable.Range(0, (rows - 1) * srcStride + cols).Select(i => (float)i).ToArray();
        var dst = new float[(cols - 1) * dstStride + rows];
        dst.AsSpan().Fill(-1f);
        BlockTranspose.Transpose(src, rows, cols, srcStride, dst, dstStride);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) Assert.Equal(src[i * srcStride + j], dst[j * dstStride + i]);
    }
}
