using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>Max pooling. Forward records the arg-max of each window (first one on ties); backward routes dy there.</summary>
public sealed class MaxPool2dLayer(MaxPool2dSpec spec) : Layer
{
    private int[]? _inputShape;
    private int[]? _argMax;   // (N, C, Ho, Wo): index within the input plane of each window's maximum

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, 4, "input");
        _inputShape = input.Shape;
        int[] o = spec.OutputShape([input.Dim(1), input.Dim(2), input.Dim(3)]);
        var output = new Tensor(input.Dim(0), o[0], o[1], o[2]);
        var argMax = new int[output.Length];
        int h = input.Dim(2), w = input.Dim(3), ho = o[1], wo = o[2], k = spec.Kernel, s = spec.EffectiveStride;
        ChunkedParallel.For(input.Dim(0) * input.Dim(1), (_, start, end) =>
        {
            for (int p = start; p < end; p++)
            {
                ReadOnlySpan<float> x = input.Data.AsSpan(p * h * w, h * w);
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        int best = (oh * s) * w + ow * s;
                        for (int i = 0; i < k; i++)
                            for (int j = 0; j < k; j++)
                            {
                                int idx = (oh * s + i) * w + ow * s + j;
                                if (x[idx] > x[best]) best = idx;
                            }
                        int oi = p * ho * wo + oh * wo + ow;
                        output.Data[oi] = x[best];
                        argMax[oi] = best;
                    }
            }
        });
        _argMax = argMax;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        int[] shape = Cached(_inputShape);
        int[] argMax = Cached(_argMax);
        var gradInput = new Tensor(shape);
        int hw = shape[2] * shape[3], ohw = gradOutput.Dim(2) * gradOutput.Dim(3);
        for (int p = 0; p < shape[0] * shape[1]; p++)
            for (int q = 0; q < ohw; q++)
                gradInput.Data[p * hw + argMax[p * ohw + q]] += gradOutput.Data[p * ohw + q];
        return gradInput;
    }
}
