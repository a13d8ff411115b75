using SnnConvert.Layers;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Kernels;

namespace SnnConvert.Conversion;

/// <summary>
/// Runs an SNN template as the CNN it came from: each weighted layer computes W x + b, spiking layers apply
/// ReLU, pooling averages, a max-pool gate takes the maximum (the CNN's max pooling, whose rate it approximates). On an
/// unbalanced template this is exactly the (batch-norm-folded, normalisation-folded) CNN in evaluation mode, which the
/// activation-based methods measure and the tests compare with the CNN. With <paramref name="rates"/> it runs a balanced
/// network as the rate model its SNN approximates: a spiking layer passes ReLU(z) / theta (per channel), its firing rate
/// without clipping, to the next layer, whose synapses are scaled for rates (post-calibration's target).
/// A spiking layer that stands for a QCFS activation of the CNN (<paramref name="qcfs"/>) applies that activation
/// instead of ReLU, so the pass is still the CNN (or its rate model) for a network trained with QCFS.
/// </summary>
/// <param name="net">The template, or with <paramref name="rates"/> a balanced network.</param>
/// <param name="rates">Divide each spiking layer's output by its thresholds before the next layer.</param>
/// <param name="qcfs">The CNN's QCFS activations by stage (<see cref="CalibrationSettings.Qcfs"/>), or null for ReLU everywhere.</param>
public sealed class AnalogForward(SpikingNetwork net, bool rates = false, IReadOnlyDictionary<int, QcfsActivation>? qcfs = null)
{
    private readonly IReadOnlyList<int[]> _shapes = net.Shapes;
    private readonly ChunkBuffers _workspace = new();

    /// <summary>
    /// Runs a batch (N, C, H, W) and calls <paramref name="visit"/>(stage, activation (N, stage output)) after every weighted
    /// stage: the ReLU (or QCFS) output of spiking layers, the logits of the output layer. Returns the logits.
    /// </summary>
    public float[] Run(float[] images, int n, Action<int, float[]>? visit = null)
    {
        float[] x = images;
        for (int s = 0; s < net.Layers.Count; s++)
        {
            int outSize = _shapes[s + 1].Aggregate(1, (a, b) => a * b);
            switch (net.Layers[s])
            {
                case SnnConv2d conv:
                    var y = new float[n * outSize];
                    Conv2dKernel.Forward(x, n, conv.Spec.Geometry(_shapes[s]), conv.Weight, conv.Bias, conv.PadValues, y, _workspace);
                    x = Activate(s, conv, y, _shapes[s + 1]);
                    visit?.Invoke(s, x);
                    ToRates(conv, x, _shapes[s + 1]);
                    break;
                case SnnLinear linear:
                    var z = new float[n * outSize];
                    LinearKernel.Forward(x, n, linear.InFeatures, linear.OutFeatures, linear.Weight, linear.Bias, z);
                    x = Activate(s, linear, z, _shapes[s + 1]);
                    visit?.Invoke(s, x);
                    ToRates(linear, x, _shapes[s + 1]);
                    break;
                case SnnAvgPool2d pool:
                    int[] inShape = _shapes[s], o = _shapes[s + 1];
                    int h = inShape[1], w = inShape[2];
                    var pooled = new float[n * outSize];
                    AvgPool2dKernel.ForwardPlanes(x, n * inShape[0], h, w, pool.Kernel, pool.Stride, pooled, o[1], o[2]);
                    x = pooled;
                    break;
                case SnnGatedMaxPool2d gate:
                    x = new MaxPool2dLayer(gate.Spec).Forward(new Tensor(x, [n, .. _shapes[s]]), ForwardContext.Eval).Data;
                    break;
            }
        }
        return x;
    }

    // Rate mode: activation / theta per channel (a map (N, C, S) with S = H*W, or (N, F) with one channel per feature).
    private void ToRates(SynapticLayer layer, float[] values, int[] shape)
    {
        if (!rates || !layer.Spiking) return;
        float[] thresholds = layer.Thresholds;
        int channelSize = shape.Length == 3 ? shape[1] * shape[2] : 1, channels = layer.OutputChannels;
        for (int block = 0; block * channelSize < values.Length; block++)
        {
            Span<float> part = values.AsSpan(block * channelSize, channelSize);
            TensorPrimitives.Divide(part, thresholds[thresholds.Length == 1 ? 0 : block % channels], part);
        }
    }

    private float[] Activate(int stage, SynapticLayer layer, float[] values, int[] shape)
    {
        if (!layer.Spiking) return values;
        if (qcfs is not null && qcfs.TryGetValue(stage, out QcfsActivation? activation))
            activation.Apply(values, layer.OutputChannels, shape.Length == 3 ? shape[1] * shape[2] : 1);
        else TensorPrimitives.Max(values, 0f, values);
        return values;
    }
}
