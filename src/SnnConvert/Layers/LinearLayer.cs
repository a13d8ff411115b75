using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Layers;

/// <summary>
/// Fully connected layer. Forward: y (N, out) = x (N, in) x W^T + b.
/// Backward: dW += dy^T x x, db += column sums of dy, dx = dy x W.
/// Forward is split as in <see cref="LinearKernel"/>, dx over the input features and dW over the output rows, in
/// chunks run in parallel.
/// </summary>
public sealed class LinearLayer : Layer
{
    private readonly LinearSpec _spec;
    private readonly Parameter _weight;   // (out, in)
    private readonly Parameter? _bias;    // (out)
    private Tensor? _input;               // (N, in), cached for backward

    /// <summary>Creates the layer with Kaiming-normal weights and zero bias.</summary>
    public LinearLayer(LinearSpec spec, Random random)
    {
        _spec = spec;
        var w = new Tensor(spec.OutFeatures, spec.InFeatures);
        WeightInit.KaimingNormal(w.Span, spec.InFeatures, random);
        _weight = Parameter.Create("weight", w, decay: true);
        if (spec.Bias) _bias = Parameter.Create("bias", new Tensor(spec.OutFeatures), decay: false);
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <summary>The weight parameter, shape (out, in).</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias parameter, or null without bias.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _bias is null ? [_weight] : [_weight, _bias];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, 2, "input");
        _spec.OutputShape([input.Dim(1)]);
        _input = input;
        int n = input.Dim(0), fin = _spec.InFeatures, fout = _spec.OutFeatures;
        var output = OutputTensor(context, n, fout);   // every row written by the GEMM (beta 0)
        LinearKernel.Forward(input.Data, n, fin, fout, _weight.Value.Data, _bias?.Value.Data, output.Data);
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor input = Cached(_input);
        int n = input.Dim(0), fin = _spec.InFeatures, fout = _spec.OutFeatures;
        var gradInput = GradInputTensor(n, fin);
        IGemm gemm = Blas.Gemm;
        float[] w = _weight.Value.Data;
        // Chunk [i0, i1) of the input features: dx[:, i0:i1] = dy (N, out) x W[:, i0:i1]; W is read once in all.
        ChunkedParallel.For(fin, (_, i0, i1) =>
        {
            if (i0 == i1 || n == 0) return;
            gemm.Sgemm(false, false, n, i1 - i0, fout, 1f, gradOutput.Data, fout, w.AsSpan(i0, (fout - 1) * fin + (i1 - i0)), fin, 0f,
                gradInput.Data.AsSpan(i0, (n - 1) * fin + (i1 - i0)), fin);
        });
        BackwardParametersOnly(gradOutput);
        return gradInput;
    }

    /// <inheritdoc/>
    public override void BackwardParametersOnly(Tensor gradOutput)
    {
        Tensor input = Cached(_input);
        int n = input.Dim(0), fin = _spec.InFeatures, fout = _spec.OutFeatures;
        IGemm gemm = Blas.Gemm;
        float[] gw = _weight.Grad.Data;
        // Each chunk owns rows [start, end) of dW: dW[o, :] += sum_n dy[n, o] x[n, :].
        ChunkedParallel.For(fout, (_, start, end) =>
        {
            if (start == end) return;
            gemm.Sgemm(true, false, end - start, fin, n, 1f, gradOutput.Data.AsSpan(start), fout, input.Data, fin, 1f,
                gw.AsSpan(start * fin, (end - start) * fin), fin);
        });
        if (_bias is not null)
        {
            Span<float> gb = _bias.Grad.Span;
            for (int i = 0; i < n; i++) TensorPrimitives.Add(gb, gradOutput.Data.AsSpan(i * fout, fout), gb);
        }
    }
}
