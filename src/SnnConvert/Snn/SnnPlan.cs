namespace SnnConvert.Snn;

/// <summary>
/// How a network is simulated, built once: the input encoder, then its stages in order (a <see cref="SynapseStage"/>
/// per weighted layer, with the pooling fused after it; an average pooling elsewhere is a <see cref="PoolingStage"/>;
/// flattening is free), and, for calibration, the probed weighted layer where the simulation stops. It also sizes the
/// buffers the stages share.
/// </summary>
internal sealed class SnnPlan
{
    /// <param name="net">The network; spiking stages before the probe need thresholds.</param>
    /// <param name="maxBatch">Largest batch.</param>
    /// <param name="encoding">Input encoding.</param>
    /// <param name="readout">Readout of the output layer.</param>
    /// <param name="engine">How synaptic currents are computed.</param>
    /// <param name="probeStage">The probed weighted layer, or null to run every stage.</param>
    public SnnPlan(SpikingNetwork net, int maxBatch, InputEncoding encoding, Readout readout, SynapseEngine engine, int? probeStage)
    {
        int count = net.Layers.Count, stop = probeStage ?? count;
        if (probeStage is { } p && (p < 0 || p >= count || net.Layers[p] is not SynapticLayer))
            throw new ArgumentOutOfRangeException(nameof(probeStage), $"stage {p} is not a weighted layer");
        Encoder = new InputEncoder(net, encoding, maxBatch);
        var stages = new List<BlockStage>();
        int s = 0;
        while (s < stop)
            switch (net.Layers[s])
            {
                case SynapticLayer:
                    bool constant = InputEncoder.GivesConstantCurrent(net, encoding, s);
                    var synapse = new SynapseStage(net, s, constant, probed: false, countSynOps: probeStage is null, readout, engine, maxBatch);
                    stages.Add(synapse);
                    s += synapse.StagesCovered;
                    break;
                case SnnAvgPool2d pool:
                    stages.Add(new PoolingStage(pool, s, net.Shapes[s]));
                    s++;
                    break;
                case SnnGatedMaxPool2d:
                    throw new InvalidOperationException($"stage {s}: a max-pool gate must directly follow a spiking weighted layer");
                default:   // SnnFlatten: the same values
                    s++;
                    break;
            }
        Stages = stages;
        if (probeStage is { } probed)
            Probed = new SynapseStage(net, probed, InputEncoder.GivesConstantCurrent(net, encoding, probed), probed: true, countSynOps: false, readout, engine, maxBatch);
        var synapses = stages.OfType<SynapseStage>().Concat(Probed is null ? [] : [Probed]).ToArray();
        Synapses = synapses;
        Leading = stages.TakeWhile(x => x is PoolingStage).Cast<PoolingStage>().ToArray();
        AfterInput = stages.Skip(Leading.Count).ToArray();
        ConstantStage = synapses.FirstOrDefault(x => x.IsConstant);
        int last = Math.Min(stop, count - 1);
        int[] sizes = net.Shapes.Select(x => x.Aggregate(1, (a, b) => a * b)).ToArray();
        MaxMap = Enumerable.Range(0, last + 2).Max(k => sizes[k]);
        MaxCurrent = synapses.Select(x => x.Synapses.OutSize).Append(1).Max();
        MaxIn = synapses.Select(x => x.Synapses.InSize).Append(1).Max();
        Gather = engine == SynapseEngine.Auto && synapses.Any(x => x.Synapses.Events is not null);
    }

    /// <summary>The input encoder.</summary>
    public InputEncoder Encoder { get; }

    /// <summary>The stages run every block, in order (under rate input; direct input starts at <see cref="AfterInput"/>).</summary>
    public IReadOnlyList<BlockStage> Stages { get; }

    /// <summary>The poolings ahead of the first weighted layer: under direct input they run once per batch, on the images.</summary>
    public IReadOnlyList<PoolingStage> Leading { get; }

    /// <summary>The stages from the first weighted layer on.</summary>
    public IReadOnlyList<BlockStage> AfterInput { get; }

    /// <summary>Every weighted layer's stage, the probed one last.</summary>
    public IReadOnlyList<SynapseStage> Synapses { get; }

    /// <summary>The weighted layer whose current is constant (direct input), or null.</summary>
    public SynapseStage? ConstantStage { get; }

    /// <summary>The probed weighted layer, whose currents are recorded instead of integrated; or null.</summary>
    public SynapseStage? Probed { get; }

    /// <summary>Values of the largest map a block writes.</summary>
    public int MaxMap { get; }

    /// <summary>Values of the largest current.</summary>
    public int MaxCurrent { get; }

    /// <summary>Values of the largest weighted layer input.</summary>
    public int MaxIn { get; }

    /// <summary>Whether the engine choice may split a block between the engines (gather buffers needed).</summary>
    public bool Gather { get; }
}
