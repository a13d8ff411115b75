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
    private Tensor? _xhat;                                // cached (same shape as input)
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
        var output = new Tensor(input.Shape);
        var xhat = new Tensor(input.Shape);
        var rstd = new float[_channels];
        _trainingPass = context.Training;
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                float mean, invStd;
                if (context.Training)
                {
                    double sum = 0, sumSq = 0;
                    for (int i = 0; i < n; i++)
                        foreach (float v in input.Data.AsSpan((i * _channels + c) * s, s)) { sum += v; sumSq += (double)v * v; }
                    double mu = sum / m, variance = Math.Max(0, sumSq / m - mu * mu);
                    mean = (float)mu;
                    invStd = (float)(1.0 / Math.Sqrt(variance + _eps));
                    _runningMean.Data[c] = (1 - _momentum) * _runningMean.Data[c] + _momentum * mean;
                    _runningVar.Data[c] = (1 - _momentum) * _runningVar.Data[c] + _momentum * (float)(variance * m / (m - 1));
                }
                else
                {
                    mean = _runningMean.Data[c];
                    invStd = 1f / MathF.Sqrt(_runningVar.Data[c] + _eps);
                }
                rstd[c] = invStd;
                float g = _gamma.Value.Data[c], b = _beta.Value.Data[c];
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    for (int k = 0; k < s; k++)
                    {
                        float xh = (input.Data[off + k] - mean) * invStd;
                        xhat.Data[off + k] = xh;
                        output.Data[off + k] = g * xh + b;
                    }
                }
            }
        });
        _xhat = xhat;
        _rstd = rstd;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor xhat = Cached(_xhat);
        float[] rstd = Cached(_rstd);
        int n = xhat.Dim(0), s = _spatial ? xhat.Dim(2) * xhat.Dim(3) : 1;
        float m = n * s;
        var gradInput = new Tensor(xhat.Shape);
        ChunkedParallel.For(_channels, (_, c0, c1) =>
        {
            for (int c = c0; c < c1; c++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    for (int k = 0; k < s; k++) { sumDy += gradOutput.Data[off + k]; sumDyXhat += gradOutput.Data[off + k] * xhat.Data[off + k]; }
                }
                _beta.Grad.Data[c] += (float)sumDy;
                _gamma.Grad.Data[c] += (float)sumDyXhat;
                float g = _gamma.Value.Data[c], r = rstd[c];
                float meanDy = (float)(sumDy / m), meanDyXhat = (float)(sumDyXhat / m);
                for (int i = 0; i < n; i++)
                {
                    int off = (i * _channels + c) * s;
                    for (int k = 0; k < s; k++)
                    {
                        float dy = gradOutput.Data[off + k];
                        gradInput.Data[off + k] = _trainingPass
                            ? g * r * (dy - meanDy - xhat.Data[off + k] * meanDyXhat)
                            : g * r * dy;
                    }
                }
            }
        });
        return gradInput;
    }
}
