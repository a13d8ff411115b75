using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Convolution by im2col + GEMM, one image at a time, images split into fixed chunks run in parallel.
/// Forward:  y_n (Cout, Ho*Wo) = W (Cout, Cin*K*K) x cols_n + b.
/// Backward: dW += dy_n x cols_n^T, db += sum(dy_n), dcols = W^T x dy_n, dx_n = fold(dcols).
/// cols_n is recomputed in backward rather than cached for the whole batch (memory over a cheap copy).
/// </summary>
public sealed class Conv2dLayer : Layer
{
    private readonly Conv2dSpec _spec;
    private readonly Parameter _weight;   // (Cout, Cin, K, K)
    private readonly Parameter? _bias;    // (Cout)
    private Tensor? _input;               // (N, Cin, H, W), cached for backward
    private readonly ChunkBuffers _cols = new();    // per chunk: (Cin*K*K, Ho*Wo)
    private readonly ChunkBuffers _dcols = new();   // per chunk: (Cin*K*K, Ho*Wo)
    private readonly ChunkBuffers _dw = new();      // per chunk: (Cout, Cin*K*K) partial weight gradients
    private readonly ChunkBuffers _db = new();      // per chunk: (Cout)

    /// <summary>Creates the layer with Kaiming-normal weights (fan-in, ReLU gain) and zero bias.</summary>
    public Conv2dLayer(Conv2dSpec spec, Random random)
    {
        _spec = spec;
        var w = new Tensor(spec.OutChannels, spec.InChannels, spec.Kernel, spec.Kernel);
        WeightInit.KaimingNormal(w.Span, spec.InChannels * spec.Kernel * spec.Kernel, random);
        _weight = Parameter.Create("weight", w, decay: true);
        if (spec.Bias) _bias = Parameter.Create("bias", new Tensor(spec.OutChannels), decay: false);
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <summary>The weight parameter, shape (Cout, Cin, K, K).</summary>
    public Parameter Weight => _weight;

    /// <summary>The bias parameter, or null without bias.</summary>
    public Parameter? Bias => _bias;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _bias is null ? [_weight] : [_weight, _bias];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, 4, "input");
        Conv2dGeometry g = Conv2dGeometry.Of(_spec, input.Shape.AsSpan(1));
        _input = input;
        var output = new Tensor(input.Dim(0), g.Cout, g.Ho, g.Wo);
        Conv2dKernel.Forward(input.Data, input.Dim(0), g, _weight.Value.Data, _bias?.Value.Data, null, output.Data, _cols);
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor input = Cached(_input);
        int n = input.Dim(0), c = input.Dim(1), h = input.Dim(2), w = input.Dim(3);
        int cout = gradOutput.Dim(1), ho = gradOutput.Dim(2), wo = gradOutput.Dim(3);
        int kk = c * _spec.Kernel * _spec.Kernel, hw = ho * wo;
        var gradInput = new Tensor(input.Shape);
        float[][] colsBuffers = _cols.Get(n, kk * hw), dcolsBuffers = _dcols.Get(n, kk * hw);
        float[][] dwBuffers = _dw.Get(n, cout * kk), dbBuffers = _db.Get(n, cout);
        IGemm gemm = Blas.Gemm;
        float[] weight = _weight.Value.Data;
        bool hasBias = _bias is not null;
        int chunks = ChunkedParallel.ChunkCount(n);
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            Span<float> cols = colsBuffers[chunk], dcols = dcolsBuffers[chunk];
            Span<float> dw = dwBuffers[chunk].AsSpan(0, cout * kk), db = dbBuffers[chunk].AsSpan(0, cout);
            dw.Clear();
            db.Clear();
            for (int i = start; i < end; i++)
            {
                ReadOnlySpan<float> dy = gradOutput.Data.AsSpan(i * cout * hw, cout * hw);
                Im2Col.Unfold(input.Data.AsSpan(i * c * h * w, c * h * w), c, h, w, _spec.Kernel, _spec.Stride, _spec.Padding, ho, wo, cols);
                gemm.Sgemm(false, true, cout, kk, hw, 1f, dy, hw, cols, hw, 1f, dw, kk);
                gemm.Sgemm(true, false, kk, hw, cout, 1f, weight, kk, dy, hw, 0f, dcols, hw);
                Im2Col.Fold(dcols, c, h, w, _spec.Kernel, _spec.Stride, _spec.Padding, ho, wo, gradInput.Data.AsSpan(i * c * h * w, c * h * w));
                if (hasBias)
                    for (int co = 0; co < cout; co++) db[co] += TensorPrimitives.Sum(dy.Slice(co * hw, hw));
            }
        });
        // Reduce the per-chunk partial sums in chunk order: same result whatever the thread count.
        Span<float> gw = _weight.Grad.Span;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            TensorPrimitives.Add(gw, dwBuffers[chunk].AsSpan(0, cout * kk), gw);
            if (_bias is not null) TensorPrimitives.Add(_bias.Grad.Span, dbBuffers[chunk].AsSpan(0, cout), _bias.Grad.Span);
        }
        return gradInput;
    }
}
