using System.Numerics;
using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>y = max(0, x); dx = dy where y &gt; 0. Both passes are vectorised and split over chunks of elements.</summary>
public sealed class ReluLayer(ReluSpec spec) : Layer
{
    private Tensor? _output;   // cached: the mask is output > 0

    /// <inheritdoc/>
    public override LayerSpec Spec => spec;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        var output = OutputTensor(context, input.Shape);
        float[] x = input.Data, y = output.Data;
        ChunkedParallel.ForElements(x.Length, (start, end) => TensorPrimitives.Max(x.AsSpan(start, end - start), 0f, y.AsSpan(start, end - start)));
        _output = output;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor y = Cached(_output);
        var gradInput = GradInputTensor(y.Shape);
        float[] dy = gradOutput.Data, dx = gradInput.Data, yd = y.Data;
        ChunkedParallel.ForElements(dx.Length, (start, end) =>
            Backward(yd.AsSpan(start, end - start), dy.AsSpan(start, end - start), dx.AsSpan(start, end - start)));
        return gradInput;
    }

    /// <summary>dx = dy where y &gt; 0, else 0; all spans of equal length.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        for (; i + Vector<float>.Count <= dx.Length; i += Vector<float>.Count)
        {
            var yv = new Vector<float>(y.Slice(i));
            Vector.ConditionalSelect(Vector.GreaterThan(yv, Vector<float>.Zero), new Vector<float>(dy.Slice(i)), Vector<float>.Zero).CopyTo(dx.Slice(i));
        }
        for (; i < dx.Length; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
}
