using SnnConvert.Tensors;

namespace SnnConvert.Layers;

/// <summary>
/// h(z) = lambda * clip(floor(z * L / lambda + 1/2) / L, 0, 1) per element, lambda per layer or per channel.
/// Backward follows the authors' autograd (h = lambda * floor(clamp(z / lambda, 0, 1) * L + 1/2) / L with a
/// straight-through floor): inside the clip, 0 &lt;= z / lambda &lt;= 1 (bounds included, as torch.clamp's gradient),
/// dh/dz = 1 and dh/dlambda = q - z / lambda with q = h / lambda; above it (z / lambda &gt; 1) dh/dz = 0 and
/// dh/dlambda = 1 (h = lambda); below it (z &lt; 0) both are 0. The clip is on z / lambda, not on the rounded q: in the
/// bands lambda &lt; z &lt; lambda (1 + 1/(2L)) and -lambda/(2L) &lt;= z &lt; 0, q is already 1 or 0 and h is lambda or 0,
/// whose true derivatives these are.
/// </summary>
public sealed class QcfsLayer : Layer
{
    private readonly QcfsSpec _spec;
    private readonly Parameter _threshold;   // (Thresholds)
    private Tensor? _input;

    /// <summary>Creates the layer with every threshold at <see cref="QcfsSpec.InitialThreshold"/>.</summary>
    public QcfsLayer(QcfsSpec spec)
    {
        _spec = spec;
        var lambda = new Tensor(spec.Thresholds);
        lambda.Span.Fill(spec.InitialThreshold);
        _threshold = Parameter.Create("threshold", lambda, decay: false);
    }

    /// <inheritdoc/>
    public override LayerSpec Spec => _spec;

    /// <summary>The thresholds lambda, shape (1) or (C).</summary>
    public Parameter Threshold => _threshold;

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [_threshold];

    /// <summary>Smallest threshold training leaves: a lambda driven to zero or below would flip the activation's sign,
    /// which no IF neuron can follow; held here its channel is practically silent.</summary>
    public const float MinThreshold = 1e-3f;

    /// <summary>Raises every threshold below <see cref="MinThreshold"/> to it (after each optimiser step).</summary>
    public void KeepThresholdsPositive()
    {
        var lambda = _threshold.Value.Span;
        for (int i = 0; i < lambda.Length; i++)
            if (!(lambda[i] >= MinThreshold)) lambda[i] = MinThreshold;
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input, ForwardContext context)
    {
        var output = OutputTensor(context, input.Shape);
        var (n, c, plane) = Layout(input);
        float[] x = input.Data, y = output.Data, lambda = _threshold.Value.Data;
        ChunkedParallel.For(n * c, (_, start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int o = row * plane;
                Forward(x.AsSpan(o, plane), lambda[_spec.PerChannel ? row % c : 0], _spec.Levels, y.AsSpan(o, plane));
            }
        });
        _input = input;
        return output;
    }

    /// <inheritdoc/>
    public override Tensor Backward(Tensor gradOutput)
    {
        Tensor input = Cached(_input);
        var gradInput = GradInputTensor(input.Shape);
        var (n, c, plane) = Layout(input);
        float[] x = input.Data, dy = gradOutput.Data, dx = gradInput.Data, lambda = _threshold.Value.Data;
        int thresholds = _spec.Thresholds;
        // Per-row partial sums of dL/dlambda, added in row order so the result does not depend on the chunking.
        var partial = new double[n * c];
        ChunkedParallel.For(n * c, (_, start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int o = row * plane;
                partial[row] = Backward(x.AsSpan(o, plane), dy.AsSpan(o, plane), lambda[_spec.PerChannel ? row % c : 0],
                    _spec.Levels, dx.AsSpan(o, plane));
            }
        });
        var grad = _threshold.Grad.Data;
        for (int row = 0; row < partial.Length; row++) grad[thresholds > 1 ? row % c : 0] += (float)partial[row];
        return gradInput;
    }

    /// <summary>h(z) for one span sharing one threshold.</summary>
    public static void Forward(ReadOnlySpan<float> z, float lambda, int levels, Span<float> h)
    {
        // The authors' order of operations (x = z / lambda; clamp to [0, 1]; floor(x L + 1/2) / L; times lambda), so that a
        // network trained or exported by their code computes the same floats here.
        for (int i = 0; i < z.Length; i++)
        {
            float x = Math.Clamp(z[i] / lambda, 0f, 1f);
            h[i] = MathF.Floor(x * levels + 0.5f) / levels * lambda;
        }
    }

    /// <summary>
    /// dx for one span sharing one threshold, given the output gradient <paramref name="dy"/>; returns this span's
    /// contribution to dL/dlambda (in double, summed by the caller).
    /// </summary>
    public static double Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> dy, float lambda, int levels, Span<float> dx)
    {
        double dLambda = 0;
        for (int i = 0; i < z.Length; i++)
        {
            float x = z[i] / lambda;   // what the authors clamp (a division, so that z = lambda gives exactly 1)
            if (x < 0f) { dx[i] = 0f; continue; }
            if (x > 1f) { dx[i] = 0f; dLambda += dy[i]; continue; }
            float k = MathF.Floor(x * levels + 0.5f);   // the forward's level, computed as Forward computes it (x in [0, 1] here)
            dx[i] = dy[i];
            dLambda += dy[i] * (k / levels - x);
        }
        return dLambda;
    }

    private (int N, int C, int Plane) Layout(Tensor input)
    {
        if (input.Rank < 2) throw new ArgumentException($"{_spec.Describe()}: input must have rank 2 or 4, got shape {input.ShapeText}");
        int n = input.Dim(0), c = input.Dim(1), plane = input.Length / Math.Max(1, n * c);
        if (_spec.PerChannel && c != _spec.Thresholds)
            throw new ArgumentException($"{_spec.Describe()}: input has {c} channels, the layer has {_spec.Thresholds} thresholds (shape {input.ShapeText})");
        return (n, c, plane);
    }
}
