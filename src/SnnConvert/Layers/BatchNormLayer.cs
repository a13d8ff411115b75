using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// Batch normalisation for (N, C, H, W) (spatial) or (N, C) inputs, statistics per channel c over M = N*H*W values.
/// Training: xhat = (x - mean_B) / sqrt(var_B + eps) with the biased batch variance; running statistics get the
/// unbiased variance (as PyTorch). Eval: running statistics. y = gamma * xhat + beta.
/// Backward (training): dx = rstd / M * (M dy' - sum dy' - xhat * sum(dy' xhat)), dy' = gamma dy.
/// </summary>
public sealed class BatchNormLayer : Layer
{
    private readonly LayerSpec _spec;
    private readonly int _channels;
    private readonly float _eps, _momentum;
    private readonly bool _spatial;
    private readonly Parameter _gamma, _beta;             // (C)
    private readonly Tensor _runningMean, _runningVar;    // (C)
    private Tensor? _xhat;                                // cached after a training pass (same shape as input)
    private Tensor? _xhatBuffer;                          // xhat's array, kept across passes when buffers are reused
    private Tensor? _evalInput;                           // cached after an evaluation pass instead of xhat
    private float[]? _rstd;                               // cached (C)
    private bool _trainingPass;

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
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        RequireRank(input, _spatial ? 4 : 2, "input");
        if (input.Dim(1) != _channels) throw new ArgumentException($"{_spec.Describe()}: input has {input.Dim(1)} channels");
        int n = input.Dim(0), s = _spatial ? input.Dim(2) * input.Dim(3) : 1;
        long m = (long)n * s;
        if (context.Training && m < 2) throw new ArgumentException($"{_spec.Describe()}: training needs more than one value per channel, got shape {input.ShapeText}");
        var output = OutputTensor(context, input.Shape);   // every (i, c) plane is written below
        var rstd = new float[_channels];
        _trainingPass = context.Training;
        _rstd = rstd;
        float[] x = input.Data, y = output.Data;
        if (!context.Training)
        {
            // y = x * (g rstd) + (b - mean g rstd), one pass; backward recomputes xhat from the cached input.
            _xhat = null;
            _evalInput = input;
            ChunkedParallel.For(_channels, (_, c0, c1) =>
            {
                for (int c = c0; c < c1; c++)
                {
                    rstd[c] = 1f / MathF.Sqrt(_runningVar.Data[c] + _eps);
                    float scale = _gamma.Value.Data[c] * rstd[c], shift = _beta.Value.Data[c] - _runningMean.Data[c] * scale;
                    for (int i = 0; i < n; i++)
                        SpanMath.Affine(x.AsSpan((i * _channels + c) * s, s), scale, shift, y.AsSpan((i * _channels + c) * s, s));
                }
            });
            return output;
        }
        Tensor xhat = Reuse(ref _xhatBuffer, input.Shape, context.ReuseBuffers);
        float[] xh = xhat.Data;
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                // Two passes (mean, then squares of x - mean) rather than E[x^2] - mean^2, which cancels badly.
                double sum = 0;
                for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(x.AsSpan((i * _channels + c) * s, s));
                float mean = (float)(sum / m);
                double sumSq = 0;
                for (int i = 0; i < n; i++) sumSq += SpanMath.SumOfSquaredDeviations(x.AsSpan((i * _channels + c) * s, s), mean);
                double variance = sumSq / m;
                float invStd = (float)(1.0 / Math.Sqrt(variance + _eps));
                _runningMean.Data[c] = (1 - _momentum) * _runningMean.Data[c] + _momentum * mean;
                _runningVar.Data[c] = (1 - _momentum) * _runningVar.Data[c] + _momentum * (float)(variance * m / (m - 1));
                rstd[c] = invStd;
                float g = _gamma.Value.Data[c], b = _beta.Value.Data[c];
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    SpanMath.Standardise(x.AsSpan(off, s), mean, invStd, g, b, xh.AsSpan(off, s), y.AsSpan(off, s));
                }
            }
        });
        _xhat = xhat;
        _evalInput = null;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        float[] rstd = Cached(_rstd);
        Tensor xhat = _trainingPass ? Cached(_xhat) : EvalXhat(Cached(_evalInput), rstd);
        int n = xhat.Dim(0), s = _spatial ? xhat.Dim(2) * xhat.Dim(3) : 1;
        float m = n * s;
        var gradInput = GradInputTensor(xhat.Shape);
        float[] dy = gradOutput.Data, xh = xhat.Data, dx = gradInput.Data;
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < n; i++)
                {
                    (float sum, float dot) = SpanMath.SumAndDot(dy.AsSpan((i * _channels + c) * s, s), xh.AsSpan((i * _channels + c) * s, s));
                    sumDy += sum;
                    sumDyXhat += dot;
                }
                _beta.Grad.Data[c] += (float)sumDy;
                _gamma.Grad.Data[c] += (float)sumDyXhat;
                float gr = _gamma.Value.Data[c] * rstd[c];
                float meanDy = (float)(sumDy / m), meanDyXhat = (float)(sumDyXhat / m);
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    Span<float> d = dx.AsSpan(off, s);
                    if (_trainingPass)
                    {
                        // dx = g r (dy - meanDy - xhat meanDyXhat)
                        SpanMath.MultiplyAddAffine(xh.AsSpan(off, s), -meanDyXhat, dy.AsSpan(off, s), gr, -meanDy * gr, d);
                    }
                    else TensorPrimitives.Multiply(dy.AsSpan(off, s), gr, d);
                }
            }
        });
        return gradInput;
    }

    // xhat = (x - running mean) * rstd, for a backward pass after an evaluation forward (rare: gradient checks).
    private Tensor EvalXhat(Tensor input, float[] rstd)
    {
        int n = input.Dim(0), s = _spatial ? input.Dim(2) * input.Dim(3) : 1;
        var xhat = new Tensor(input.Shape);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < _channels; c++)
            {
                Span<float> d = xhat.Data.AsSpan((i * _channels + c) * s, s);
                TensorPrimitives.Subtract(input.Data.AsSpan((i * _channels + c) * s, s), _runningMean.Data[c], d);
                TensorPrimitives.Multiply(d, rstd[c], d);
            }
        return xhat;
    }
}
