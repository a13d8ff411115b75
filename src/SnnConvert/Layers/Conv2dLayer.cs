using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Layers;

/// <summary>
/// Convolution by im2col + GEMM (<see cref="Conv2dKernel"/>): images split into fixed chunks run in parallel, groups of
/// images within a chunk share one GEMM. 3x3 stride-1 layers with vector-aligned channel counts
/// (<see cref="WinogradConv3x3.Supports"/>) run the forward pass, the input gradient and the weight gradient by
/// Winograd F(4x4, 3x3) instead (<see cref="WinogradF4Conv3x3"/>: 1.78x fewer GEMM multiplications than F(2x2, 3x3),
/// at relative errors of a few 1e-5 instead of a few 1e-6; timings in docs/benchmarks.md).
/// Forward:  y_n (Cout, Ho*Wo) = W (Cout, Cin*K*K) x cols_n + b.
/// Backward: dW += dy_n x cols_n^T, db += sum(dy_n), dcols = W^T x dy_n, dx_n = fold(dcols).
/// cols is recomputed in backward rather than cached for the whole batch (memory over a cheap copy).
/// </summary>
public sealed class Conv2dLayer : Layer
{
    private readonly Conv2dSpec _spec;
    private readonly Parameter _weight;   // (Cout, Cin, K, K)
    private readonly Parameter? _bias;    // (Cout)
    private Tensor? _input;               // (N, Cin, H, W), cached for backward
    private readonly ChunkBuffers _cols = new();    // per chunk: (Cin*K*K, G*Ho*Wo), then (Cout, G*Ho*Wo) when G > 1
    private readonly ChunkBuffers _dcols = new();   // per chunk: (Cin*K*K, G*Ho*Wo)
    private readonly ChunkBuffers _dw = new();      // per chunk: (Cin*K*K, Cout) partial weight gradients, transposed
    private readonly ChunkBuffers _db = new();      // per chunk: (Cout)
    private readonly ChunkBuffers _winograd = new();   // per chunk: WinogradF4Conv3x3's padded input, transforms, tiles
    private float[]? _winogradWeights, _winogradFlipped;   // (36, Cin, Cout) and (36, Cout, Cin)

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
        Conv2dGeometry g = _spec.Geometry(input.Shape.AsSpan(1));
        _input = input;
        var output = OutputTensor(context, input.Dim(0), g.Cout, g.Ho, g.Wo);   // every element written by the GEMMs
        if (WinogradConv3x3.Supports(_spec.Kernel, _spec.Stride, _spec.Padding, _spec.OutChannels, g.C))
        {
            float[] u = TransformedWeights(ref _winogradWeights, flip: false);
            WinogradF4Conv3x3.Forward(input.Data, input.Dim(0), g.C, g.H, g.W, g.Pad, u, g.Cout, _bias?.Value.Data, output.Data, _winograd);
        }
        else Conv2dKernel.Forward(input.Data, input.Dim(0), g, _weight.Value.Data, _bias?.Value.Data, null, output.Data, _cols);
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor input = Cached(_input);
        var gradInput = GradInputTensor(input.Shape);   // Fold (or the Winograd output) overwrites each image
        if (!WinogradConv3x3.Supports(_spec.Kernel, _spec.Stride, _spec.Padding, _spec.OutChannels, input.Dim(1)))
        {
            Backward(gradOutput, gradInput);
            return gradInput;
        }
        // dx = conv(dy, rot180(W)^T) with padding 2 - p, a 3x3 stride-1 convolution again.
        Backward(gradOutput, null);
        float[] u = TransformedWeights(ref _winogradFlipped, flip: true);
        WinogradF4Conv3x3.Forward(gradOutput.Data, input.Dim(0), _spec.OutChannels, gradOutput.Dim(2), gradOutput.Dim(3), 2 - _spec.Padding, u,
            _spec.InChannels, null, gradInput.Data, _winograd);
        return gradInput;
    }

    // The weights in the Winograd domain (36 * Cin * Cout floats), recomputed every pass since training changes them.
    private float[] TransformedWeights(ref float[]? buffer, bool flip)
    {
        buffer ??= new float[36 * _spec.InChannels * _spec.OutChannels];
        WinogradF4Conv3x3.TransformWeights(_weight.Value.Data, _spec.OutChannels, _spec.InChannels, flip, buffer);
        return buffer;
    }

    /// <inheritdoc/>
    public override void BackwardParametersOnly(Tensor gradOutput) => Backward(gradOutput, null);

    // Accumulates dW (and db) and, when gradInput is not null, writes dx. Groups of images as in Conv2dKernel.
    private void Backward(Tensor gradOutput, Tensor? gradInput)
    {
        Tensor input = Cached(_input);
        int n = input.Dim(0);
        Conv2dGeometry g = _spec.Geometry(input.Shape.AsSpan(1));
        if (gradOutput.Length != n * g.OutputSize) throw new ArgumentException($"{_spec.Describe()}: gradient of shape {gradOutput.ShapeText} does not match the output");
        if (gradInput is null && WinogradConv3x3.Supports(_spec.Kernel, _spec.Stride, _spec.Padding, _spec.OutChannels, g.C))
        {
            WinogradF4Conv3x3.WeightGradient(input.Data, n, g.C, g.H, g.W, g.Pad, gradOutput.Data, g.Cout, _weight.Grad.Data, _winograd, _dw);
            if (_bias is not null)
            {
                // db[co] = sum of dy over images and positions, in image order.
                Span<float> gb = _bias.Grad.Span;
                for (int i = 0; i < n; i++)
                    for (int co = 0; co < g.Cout; co++) gb[co] += TensorPrimitives.Sum(gradOutput.Data.AsSpan((i * g.Cout + co) * g.Positions, g.Positions));
            }
            return;
        }
        int cout = g.Cout, kk = g.PatchSize, hw = g.Positions, group = Conv2dKernel.GroupSize(n, hw);
        float[][] colsBuffers = _cols.Get(n, kk * group * hw + (group > 1 ? cout * group * hw : 0));
        float[][] dcolsBuffers = gradInput is null ? [] : _dcols.Get(n, kk * group * hw);
        float[][] dwBuffers = _dw.Get(n, cout * kk), dbBuffers = _db.Get(n, cout);
        IGemm gemm = Blas.Gemm;
        float[] weight = _weight.Value.Data, x = input.Data, dyAll = gradOutput.Data;
        bool hasBias = _bias is not null;
        int chunks = ChunkedParallel.ChunkCount(n);
        ChunkedParallel.For(n, (chunk, start, end) =>
        {
            Span<float> dw = dwBuffers[chunk].AsSpan(0, cout * kk), db = dbBuffers[chunk].AsSpan(0, cout);
            dw.Clear();
            db.Clear();
            for (int i0 = start; i0 < end; i0 += group)
            {
                int count = Math.Min(group, end - i0), ld = count * hw;
                Span<float> cols = colsBuffers[chunk].AsSpan(0, kk * ld);
                for (int j = 0; j < count; j++)
                    Im2Col.Unfold(x.AsSpan((i0 + j) * g.InputSize, g.InputSize), g.C, g.H, g.W, g.K, g.Stride, g.Pad, g.Ho, g.Wo, cols.Slice(j * hw), ld, []);
                // dY (Cout, count*hw): the images' gradients side by side, as the forward GEMM produced them.
                Span<float> dy;
                if (count == 1) dy = dyAll.AsSpan(i0 * g.OutputSize, g.OutputSize);
                else
                {
                    dy = colsBuffers[chunk].AsSpan(kk * group * hw, cout * ld);
                    for (int j = 0; j < count; j++)
                        for (int co = 0; co < cout; co++)
                            dyAll.AsSpan((i0 + j) * g.OutputSize + co * hw, hw).CopyTo(dy.Slice(co * ld + j * hw, hw));
                }
                // dW^T (C*K*K, Cout) += cols x dY^T rather than dW += dY x cols^T: the same products, but BLAS runs the
                // tall form up to 1.6x faster when Cout is small (32 channels on 32x32 maps).
                gemm.Sgemm(false, true, kk, cout, ld, 1f, cols, ld, dy, ld, 1f, dw, cout);
                if (hasBias)
                    for (int co = 0; co < cout; co++) db[co] += TensorPrimitives.Sum(dy.Slice(co * ld, ld));
                if (gradInput is null) continue;
                Span<float> dcols = dcolsBuffers[chunk].AsSpan(0, kk * ld);
                gemm.Sgemm(true, false, kk, ld, cout, 1f, weight, kk, dy, ld, 0f, dcols, ld);
                for (int j = 0; j < count; j++)
                    Im2Col.Fold(dcols.Slice(j * hw), ld, g.C, g.H, g.W, g.K, g.Stride, g.Pad, g.Ho, g.Wo,
                        gradInput.Data.AsSpan((i0 + j) * g.InputSize, g.InputSize));
            }
        });
        // Reduce the per-chunk partial sums in chunk order into chunk 0's buffer (element-wise, so splitting the elements
        // over threads changes nothing): same result whatever the thread count. Then add its transpose to dW.
        ChunkedParallel.ForElements(cout * kk, (e0, e1) =>
        {
            Span<float> total = dwBuffers[0].AsSpan(e0, e1 - e0);
            for (int chunk = 1; chunk < chunks; chunk++) TensorPrimitives.Add(total, dwBuffers[chunk].AsSpan(e0, e1 - e0), total);
        });
        float[] gw = _weight.Grad.Data, dwT = dwBuffers[0];
        for (int r = 0; r < kk; r++)
            for (int co = 0; co < cout; co++) gw[co * kk + r] += dwT[r * cout + co];
        for (int chunk = 0; _bias is not null && chunk < chunks; chunk++)
            TensorPrimitives.Add(_bias.Grad.Span, dbBuffers[chunk].AsSpan(0, cout), _bias.Grad.Span);
    }
}
