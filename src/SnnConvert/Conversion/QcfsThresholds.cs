using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Conversion of a network trained with QCFS activations (Bu et al. 2022, "Optimal ANN-SNN Conversion for
/// High-accuracy and Ultra-low-latency SNNs", ICLR): each hidden layer's threshold is its activation's trained lambda
/// (per layer or per channel, as trained), the synapses leaving a layer are multiplied by its thresholds
/// (<see cref="InputScaling"/>), and every IF neuron starts at theta/2 with soft reset. A neuron so started that receives
/// a constant current z for L steps fires clip(floor(z L / lambda + 1/2), 0, L) times, so its rate times lambda is the
/// QCFS activation itself. No image is simulated: the thresholds are the model's.
/// </summary>
/// <remarks>
/// v(0) = theta/2 is set as the network's neuron model (<see cref="InitialMembrane.HalfThreshold"/>) rather than a
/// per-channel <see cref="SynapticLayer.InitialPotential"/>: it is the same start, it is what the neuron model already
/// names, and it keeps the network exportable to NIR (the exporter refuses per-channel initial potentials; the half start
/// travels in SnnConvert's metadata).
/// </remarks>
public sealed record QcfsThresholds : IThresholdMethod
{
    /// <summary>The CLI name.</summary>
    public const string MethodName = "qcfs";

    /// <inheritdoc/>
    public string Name => MethodName;

    /// <inheritdoc/>
    /// <exception cref="ConversionException">The network has no QCFS activation, a hidden layer is followed by a ReLU,
    /// or the neuron model or readout does not fit (hard reset; spike-count readout, whose output layer has no trained threshold).</exception>
    public SpikingNetwork Balance(SpikingNetwork template, CalibrationSettings settings, IProgress<CalibrationProgress>? progress = null)
    {
        if (settings.Qcfs.Count == 0)
            throw new ConversionException($"{template.Name}: has no QCFS activation; {MethodName} takes the thresholds of a network trained with QCFS " +
                "activations, convert a ReLU network with another method (max-current, the default)");
        if (template.Neuron.Reset != ResetMode.Soft)
            throw new ConversionException($"{template.Name}: {MethodName} needs soft reset (reset by subtraction): the QCFS activation is the rate of soft-reset IF neurons");
        if (template.Readout != Readout.Membrane)
            throw new ConversionException($"{template.Name}: {MethodName} sets the thresholds of the hidden layers from their QCFS activations; the output " +
                "layer has none, so spike-count readout has no threshold: use membrane readout, or another method");
        SpikingNetwork net = template;
        var report = new List<LayerCalibration>();
        var levels = new List<int>();
        float[] previous = [];
        foreach (int stage in template.SynapticIndices)
        {
            var layer = InputScaling.Apply((SynapticLayer)net.Layers[stage], previous);
            if (!layer.Spiking)
            {
                net = net.WithLayer(stage, layer);
                break;
            }
            if (!settings.Qcfs.TryGetValue(stage, out QcfsActivation? activation))
                throw new ConversionException($"{template.Name}: stage {stage} ({layer.Describe()}) is followed by a ReLU in the CNN, not a QCFS activation; " +
                    $"{MethodName} needs a QCFS activation after every hidden weighted layer; convert with another method");
            float[] thresholds = (float[])activation.Thresholds.Clone();
            if (thresholds.Length != 1 && thresholds.Length != layer.OutputChannels)
                throw new ConversionException($"{template.Name}: stage {stage} ({layer.Describe()}): {thresholds.Length} QCFS thresholds for {layer.OutputChannels} channels");
            net = net.WithLayer(stage, layer with { Thresholds = thresholds });
            previous = thresholds;
            levels.Add(activation.Levels);
            report.Add(BalancingRecord.Layer(stage, layer, thresholds, dead: 0, steps: 0));
        }
        string granularity = report.All(r => r.Thresholds == 1) ? "layer" : report.All(r => r.Thresholds > 1) ? "channel" : "mixed";
        return net with
        {
            Neuron = net.Neuron with { Initial = InitialMembrane.HalfThreshold },
            Conversion = net.Conversion with
            {
                Method = MethodName, Granularity = granularity, CalibrationSamples = 0, Layers = report, RescaleInputs = true, QcfsLevels = levels.ToArray(),
            },
        };
    }
}
