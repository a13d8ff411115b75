using System.Runtime.Intrinsics;
using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Layers;

/// <summary>Average pooling. Forward: y = mean of the window. Backward: each input gets dy / (K*K) from every window it is in.</summary>
public sealed class AvgPool2dLayer(AvgPool2dSpec spec) : Layer
{
    private int[]? _inputShape;

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, 4, "input");
        _inputShape = input.Shape;
        int[] o = spec.OutputShape([input.Dim(1), input.Dim(2), input.Dim(3)]);
        var output = OutputTensor(context, input.Dim(0), o[0], o[1], o[2]);
        int planes = input.Dim(0) * input.Dim(1);
        int h = input.Dim(2), w = input.Dim(3);
        ChunkedParallel.For(planes, (_, start, end) =>
            AvgPool2dKernel.ForwardPlanes(input.Data.AsSpan(start * h * w), end - start, h, w, spec.Kernel, spec.EffectiveStride,
                output.Data.AsSpan(start * o[1] * o[2]), o[1], o[2]));
        return output;
    }

    /// <summary>
    /// One plane's input gradient for non-overlapping windows (stride = kernel): each input covered by a window gets
    /// that window's dy / (K*K), assigned; dx is (H, W) with H &gt;= Ho*K, W &gt;= Wo*K (uncovered inputs are left alone).
    /// </summary>
    public static void BackwardTiled(ReadOnlySpan<float> dy, int w, int ho, int wo, int k, Span<float> dx)
    {
        float scale = 1f / (k * k);
        for (int oh = 0; oh < ho; oh++)
            for (int i = 0; i < k; i++)
            {
                Span<float> row = dx.Slice((oh * k + i) * w, wo * k);
                ReadOnlySpan<float> g = dy.Slice(oh * wo, wo);
                if (k == 2)
                {
                    // Four gradients at a time, each scaled once and written twice (same products as the scalar tail).
                    int ow = 0;
                    if (Vector128.IsHardwareAccelerated)
                    {
                        Vector128<float> vs = Vector128.Create(scale);
                        for (; ow + 4 <= g.Length; ow += 4)
                        {
                            Vector128<float> v = Vector128.Create(g.Slice(ow)) * vs;
                            Vector128.Shuffle(v, Vector128.Create(0, 0, 1, 1)).CopyTo(row.Slice(2 * ow));
                            Vector128.Shuffle(v, Vector128.Create(2, 2, 3, 3)).CopyTo(row.Slice(2 * ow + 4));
                        }
                    }
                    for (; ow < g.Length; ow++) row[2 * ow] = row[2 * ow + 1] = g[ow] * scale;
                }
                else
                    for (int ow = 0; ow < g.Length; ow++) row.Slice(ow * k, k).Fill(g[ow] * scale);
            }
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        int[] shape = Cached(_inputShape);
        int h = shape[2], w = shape[3], ho = gradOutput.Dim(2), wo = gradOutput.Dim(3), k = spec.Kernel, s = spec.EffectiveStride;
        // Non-overlapping windows that tile the plane assign every input below; otherwise it accumulates into zeros.
        var gradInput = GradInputTensor(shape);
        if (!(k == s && ho * k == h && wo * k == w)) gradInput.Clear();
        float scale = 1f / (k * k);
        ChunkedParallel.For(shape[0] * shape[1], (_, start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                Span<float> dx = gradInput.Data.AsSpan(p * h * w, h * w);
                ReadOnlySpan<float> dy = gradOutput.Data.AsSpan(p * ho * wo, ho * wo);
                if (k == s)
                {
                    BackwardTiled(dy, w, ho, wo, k, dx);
                    continue;
                }
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        float g = dy[oh * wo + ow] * scale;
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++) dx[(oh * s + i) * w + ow * s + j] += g;
                    }
            }
        });
        return gradInput;
    }
}
