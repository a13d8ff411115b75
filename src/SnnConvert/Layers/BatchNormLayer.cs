using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Layers;

/// <summary>
/// Batch normalisation for (N, C, H, W) (spatial) or (N, C) inputs, statistics per channel c over M = N*H*W values.
/// Training: xhat = (x - mean_B) / sqrt(var_B + eps) with the biased batch variance; running statistics get the
/// unbiased variance (as PyTorch). Eval: running statistics. y = gamma * xhat + beta.
/// Backward (training): dx = rstd / M * (M dy' - sum dy' - xhat * sum(dy' xhat)), dy' = gamma dy.
/// xhat is not stored: backward recomputes it from the cached input and the per-channel mean and 1/std.
/// </summary>
public sealed class BatchNormLayer : Layer
{
    private readonly LayerSpec _spec;
    private readonly int _channels;
    private readonly float _eps, _momentum;
    private readonly bool _spatial;
    private readonly Parameter _gamma, _beta;             // (C)
    private readonly Tensor _runningMean, _runningVar;    // (C)
    private Tensor? _input, _output;                      // cached: xhat and (training) the fused ReLU's mask are recomputed from x
    private float[]? _mean, _rstd;                        // cached (C): batch statistics, or running ones after evaluation
    private bool _trainingPass, _relu;
    private int _pool = 1;                                // fused average pooling window (1: none)

    /// <summary>Creates the layer with gamma = 1, beta = 0, running mean 0 and variance 1.</summary>
    public BatchNormLayer(LayerSpec spec, int channels, float eps, float momentum, bool spatial)
    {
        _spec = spec; _channels = channels; _eps = eps; _momentum = momentum; _spatial = spatial;
        var gamma = new Tensor(channels);
        gamma.Span.Fill(1f);
        _gamma = Parameter.Create("weight", gamma, decay: false);
        _beta = Parameter.Create("bias", new Tensor(channels), decay: false);
        _runningMean = new Tensor(channels);
        _runningVar = new Tensor(channels);
        _runningVar.Span.Fill(1f);
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <summary>Scale gamma, shape (C).</summary>
    public Parameter Gamma => _gamma;

    /// <summary>Shift beta, shape (C).</summary>
    public Parameter Beta => _beta;

    /// <summary>Running mean, shape (C).</summary>
    public Tensor RunningMean => _runningMean;

    /// <summary>Running (unbiased) variance, shape (C).</summary>
    public Tensor RunningVar => _runningVar;

    /// <summary>Epsilon added to the variance.</summary>
    public float Eps => _eps;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [_gamma, _beta];

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> Buffers => [("running_mean", _runningMean), ("running_var", _runningVar)];

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context) => Forward(input, context, relu: false);

    /// <summary>
    /// The forward pass followed by y = max(0, y) in the same pass, for a network whose next layer is a ReLU
    /// (<see cref="Models.Network"/> runs the pair this way and back-propagates with <see cref="BackwardThroughRelu"/>): the
    /// separate ReLU pass read and wrote every activation again, forward and backward. Same values as the two layers.
    /// </summary>
    public Tensor Forward(Tensor input, ForwardContext context, bool relu) => Forward(input, context, relu, pool: 1);

    /// <summary>
    /// <see cref="Forward(Tensor, ForwardContext, bool)"/> followed, when <paramref name="pool"/> &gt; 1, by average pooling
    /// over non-overlapping pool x pool windows that tile each map (H and W multiples of pool), all per plane in cache:
    /// the network's BN, ReLU, AvgPool triples then neither write nor read the full-size activations. Returns the pooled
    /// (N, C, H / pool, W / pool) output; back-propagate with <see cref="BackwardThroughRelu"/> (which takes its gradient).
    /// Same values as the three layers.
    /// </summary>
    public Tensor Forward(Tensor input, ForwardContext context, bool relu, int pool)
    {
        RequireRank(input, _spatial ? 4 : 2, "input");
        if (input.Dim(1) != _channels) throw new ArgumentException($"{_spec.Describe()}: input has {input.Dim(1)} channels");
        if (pool > 1 && (!_spatial || !relu || input.Dim(2) % pool != 0 || input.Dim(3) % pool != 0))
            throw new ArgumentException($"{_spec.Describe()}: a fused {pool}x{pool} pooling needs a ReLU and maps that it tiles, got {input.ShapeText}");
        int n = input.Dim(0), s = _spatial ? input.Dim(2) * input.Dim(3) : 1;
        pool = Math.Max(1, pool);
        int h = _spatial ? input.Dim(2) : 1, w = _spatial ? input.Dim(3) : 1, ho = h / pool, wo = w / pool, so = ho * wo;
        long m = (long)n * s;
        if (context.Training && m < 2) throw new ArgumentException($"{_spec.Describe()}: training needs more than one value per channel, got shape {input.ShapeText}");
        // Every (i, c) plane is written below.
        var output = pool > 1 ? OutputTensor(context, n, _channels, ho, wo) : OutputTensor(context, input.Shape);
        _pool = pool;
        float[] rstd = _rstd is { Length: var len } && len == _channels ? _rstd : new float[_channels];
        float[] means = _mean is { Length: var lm } && lm == _channels ? _mean : new float[_channels];
        _rstd = rstd;
        _mean = means;
        _trainingPass = context.Training;
        _input = input;
        _output = output;
        _relu = relu;
        float[] x = input.Data, y = output.Data;
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            Span<float> planeMeans = context.Training ? (n <= 1024 ? stackalloc float[n] : new float[n]) : [];
            Span<float> full = pool > 1 ? (s <= 4096 ? stackalloc float[s] : new float[s]) : [];   // one plane before pooling
            for (int c = c0; c < c1; c++)
            {
                float g = _gamma.Value.Data[c], b = _beta.Value.Data[c];
                if (!context.Training)
                {
                    // y = x * (g rstd) + (b - mean g rstd), one pass; backward uses xhat = (x - running mean) * rstd.
                    rstd[c] = 1f / MathF.Sqrt(_runningVar.Data[c] + _eps);
                    means[c] = _runningMean.Data[c];
                    float scale = g * rstd[c], shift = b - _runningMean.Data[c] * scale;
                    for (int i = 0; i < n; i++)
                    {
                        Span<float> yi = pool > 1 ? full : y.AsSpan((i * _channels + c) * s, s);
                        SpanMath.Affine(x.AsSpan((i * _channels + c) * s, s), scale, shift, yi);
                        if (relu) TensorPrimitives.Max(yi, 0f, yi);
                        if (pool > 1) AvgPool2dKernel.Forward(full, h, w, pool, pool, y.AsSpan((i * _channels + c) * so, so), ho, wo);
                    }
                    continue;
                }
                // Mean and variance from each plane's own two passes (the plane is in L1 for the second), combined
                // exactly (Chan et al.): sum of squared deviations = sum of the planes' + s * sum (plane mean - mean)^2.
                // As stable as two passes over the whole channel, but x streams from memory once.
                double sum = 0, planeSq = 0, between = 0;
                for (int i = 0; i < n; i++)
                {
                    ReadOnlySpan<float> xi = x.AsSpan((i * _channels + c) * s, s);
                    float planeSum = TensorPrimitives.Sum(xi);
                    sum += planeSum;
                    planeMeans[i] = planeSum / s;
                    planeSq += SpanMath.SumOfSquaredDeviations(xi, planeMeans[i]);
                }
                double meanD = sum / m;
                for (int i = 0; i < n; i++) between += (planeMeans[i] - meanD) * (planeMeans[i] - meanD);
                float mean = (float)meanD;
                double variance = (planeSq + s * between) / m;
                float invStd = (float)(1.0 / Math.Sqrt(variance + _eps));
                _runningMean.Data[c] = (1 - _momentum) * _runningMean.Data[c] + _momentum * mean;
                _runningVar.Data[c] = (1 - _momentum) * _runningVar.Data[c] + _momentum * (float)(variance * m / (m - 1));
                rstd[c] = invStd;
                means[c] = mean;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    Span<float> yi = pool > 1 ? full : y.AsSpan(off, s);
                    BatchNormKernels.Normalise(x.AsSpan(off, s), mean, invStd, g, b, relu, yi);
                    if (pool > 1) AvgPool2dKernel.Forward(full, h, w, pool, pool, y.AsSpan((i * _channels + c) * so, so), ho, wo);
                }
            }
        });
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        if (_relu) throw new InvalidOperationException($"{_spec.Describe()}: the last forward pass had a fused ReLU; back-propagate with BackwardThroughRelu");
        return BackwardCore(gradOutput);
    }

    /// <summary>
    /// Back-propagates the gradient of the fused ReLU's output (<see cref="Forward(Tensor, ForwardContext, bool)"/> with
    /// relu), or of the fused pooling's output: dy is spread over each window (dy / pool^2), taken where the ReLU's
    /// output is positive and 0 elsewhere, in the same passes as the batch norm's backward.
    /// </summary>
    public Tensor BackwardThroughRelu(Tensor gradOutput)
    {
        if (!_relu) throw new InvalidOperationException($"{_spec.Describe()}: the last forward pass had no fused ReLU");
        return BackwardCore(gradOutput);
    }

    private Tensor BackwardCore(Tensor gradOutput)
    {
        float[] rstd = Cached(_rstd), means = Cached(_mean);
        Tensor input = Cached(_input);
        int n = input.Dim(0), s = _spatial ? input.Dim(2) * input.Dim(3) : 1;
        float m = n * s;
        int pool = _pool, w = _spatial ? input.Dim(3) : 1, ho = _spatial ? input.Dim(2) / pool : 1, wo = w / pool, so = ho * wo;
        if (gradOutput.Length != input.Length / (pool * pool))
            throw new ArgumentException($"{_spec.Describe()}: gradient of shape {gradOutput.ShapeText} does not match the input {input.ShapeText}");
        var gradInput = GradInputTensor(input.Shape);
        float[] dy = gradOutput.Data, x = input.Data, dx = gradInput.Data;
        bool training = _trainingPass, relu = _relu && training;
        if (_relu && !training)
        {
            // After an evaluation pass (rare: gradient checks) the mask is recomputed with the evaluation form
            // x * (g r) + (b - mean g r) > 0: dx holds the spread, masked gradient, which the passes below read as dy.
            float[] pooled = dy;
            ChunkedParallel.For(n * _channels, (_, p0, p1) =>
            {
                for (int p = p0; p < p1; p++)
                {
                    int c = p % _channels;
                    float scale = _gamma.Value.Data[c] * rstd[c], shift = _beta.Value.Data[c] - means[c] * scale;
                    Span<float> d = dx.AsSpan(p * s, s);
                    if (pool > 1) AvgPool2dLayer.BackwardTiled(pooled.AsSpan(p * so, so), w, ho, wo, pool, d);
                    else pooled.AsSpan(p * s, s).CopyTo(d);
                    ReadOnlySpan<float> xp = x.AsSpan(p * s, s);
                    for (int e = 0; e < s; e++)
                        if (!(xp[e] * scale + shift > 0f)) d[e] = 0f;
                }
            });
            dy = dx;
            pool = 1;
        }
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            // The channel's n planes of dy / pool^2, spread once for both passes (n * s floats: 256 KiB for 64 maps of 32x32,
            // in L2 for the second pass).
            float[]? rented = pool > 1 ? System.Buffers.ArrayPool<float>.Shared.Rent(n * s) : null;
            for (int c = c0; c < c1; c++)
            {
                if (rented is not null)
                    for (int i = 0; i < n; i++)
                        AvgPool2dLayer.BackwardTiled(dy.AsSpan((i * _channels + c) * so, so), w, ho, wo, pool, rented.AsSpan(i * s, s));
                double sumDy = 0, sumDyXhat = 0;
                // The fused ReLU's mask (training): the forward's xhat * gamma + beta > 0, recomputed from x.
                float g = _gamma.Value.Data[c], b = _beta.Value.Data[c];
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    ReadOnlySpan<float> dyi = rented is not null ? rented.AsSpan(i * s, s) : dy.AsSpan(off, s);
                    (float sum, float dot) = BatchNormKernels.GradientSums(dyi, x.AsSpan(off, s), means[c], rstd[c], relu, g, b);
                    sumDy += sum;
                    sumDyXhat += dot;
                }
                _beta.Grad.Data[c] += (float)sumDy;
                _gamma.Grad.Data[c] += (float)sumDyXhat;
                float gr = _gamma.Value.Data[c] * rstd[c];
                // Training: dx = g r (dy - meanDy - xhat meanDyXhat); evaluation statistics are constants: dx = g r dy.
                float meanDy = training ? (float)(sumDy / m) : 0f, meanDyXhat = training ? (float)(sumDyXhat / m) : 0f;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    ReadOnlySpan<float> dyi = rented is not null ? rented.AsSpan(i * s, s) : dy.AsSpan(off, s);
                    BatchNormKernels.InputGradient(dyi, x.AsSpan(off, s), means[c], rstd[c], relu, g, b,
                        -meanDyXhat, gr, -meanDy * gr, dx.AsSpan(off, s));
                }
            }
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        });
        return gradInput;
    }
}
