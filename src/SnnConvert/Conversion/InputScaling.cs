using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Rescales a weighted layer for the rate code of the layer before it. A spike train of a neuron with threshold
/// theta encodes a / theta, so the synapses leaving it are multiplied by theta (per channel of the previous spiking
/// layer, through pooling and flatten): the current then approximates the CNN's pre-activation again. This is
/// how channel-wise normalisation (Kim et al. 2020) and data-based normalisation (Diehl et al. 2015) set weights,
/// expressed with thresholds instead of divided weights.
/// </summary>
public static class InputScaling
{
    /// <summary>A copy of <paramref name="layer"/> whose weights from input channel c are multiplied by scales[c] (or scales[0]).</summary>
    /// <param name="layer">Layer to rescale; its biases stay as they are.</param>
    /// <param name="scales">Thresholds of the previous spiking layer: one value or one per its output channel.</param>
    /// <remarks>Inputs of one channel are contiguous: K*K per channel in a conv weight, H*W per channel in a dense layer
    /// after flatten (features run over C, then H*W).</remarks>
    public static SynapticLayer Apply(SynapticLayer layer, float[] scales)
    {
        if (scales.Length == 0) return layer;
        var weight = (float[])layer.Weight.Clone();
        int outputs = layer.OutputChannels, fanIn = weight.Length / outputs;
        int perChannel = scales.Length == 1 ? fanIn : fanIn / scales.Length;
        if (scales.Length != 1 && perChannel * scales.Length != fanIn)
            throw new ArgumentException($"{layer.Describe()}: {scales.Length} input scales do not divide its {fanIn} inputs per output");
        for (int o = 0; o < outputs; o++)
            for (int c = 0; c < scales.Length; c++)
            {
                Span<float> w = weight.AsSpan(o * fanIn + c * perChannel, perChannel);
                TensorPrimitives.Multiply(w, scales[c], w);
            }
        return layer with { Weight = weight };
    }
}
