using SnnConvert.Errors;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>Settings of one simulation.</summary>
/// <param name="Steps">Time steps T_max; the prediction is recorded after every step.</param>
/// <param name="Encoding">Input encoding.</param>
/// <param name="Seed">Seed of rate encoding.</param>
/// <param name="BatchSize">Images simulated together.</param>
/// <param name="Readout">Readout to use instead of the network's, or null.</param>
/// <param name="Engine">How synaptic currents are computed (the result differs between engines only by float rounding).</param>
public sealed record SimulationOptions(int Steps, InputEncoding Encoding = InputEncoding.Direct, int Seed = 1, int BatchSize = 100, Readout? Readout = null,
    SynapseEngine Engine = SynapseEngine.Auto)
{
    /// <summary>Throws <see cref="InvalidSettingException"/> for non-positive steps or batch size.</summary>
    public void Validate()
    {
        if (Steps <= 0) throw new InvalidSettingException(SettingNames.TimeSteps, $"the number of time steps must be at least 1, got {Steps}");
        if (BatchSize <= 0) throw new InvalidSettingException(SettingNames.BatchSize, $"must be at least 1, got {BatchSize}");
    }
}

/// <summary>Simulates a spiking network over a dataset, batch by batch, recording accuracy after every step and activity.</summary>
public static class SnnSimulator
{
    /// <summary>Runs the simulation.</summary>
    /// <param name="net">A balanced network (every spiking layer has thresholds).</param>
    /// <param name="data">Images to classify.</param>
    /// <param name="options">Steps, encoding, seed, batch size.</param>
    /// <param name="cnnPredictions">The CNN's prediction per image, to measure agreement; or null.</param>
    /// <param name="cnnMacs">The CNN's MACs per image, for the energy comparison.</param>
    /// <param name="progress">Receives the number of images done.</param>
    public static SimulationResult Run(SpikingNetwork net, ILabelledImages data, SimulationOptions options, int[]? cnnPredictions = null,
        long cnnMacs = 0, IProgress<int>? progress = null) =>
        Run(net, data, options, ImageRange.All(data.Count), null, cnnPredictions, cnnMacs, progress);

    /// <summary>
    /// Simulates only the images of <paramref name="range"/> (a shard), batched as the whole dataset would be, so that each
    /// image gives what it gives in a run over all of them; the result counts only those images.
    /// </summary>
    /// <param name="net">A balanced network.</param>
    /// <param name="data">The whole dataset (image indices, and so rate-coding draws, are global).</param>
    /// <param name="options">Steps, encoding, seed, batch size.</param>
    /// <param name="range">Images to simulate: starts on a batch boundary and ends on one or at the dataset's end.</param>
    /// <param name="ledger">Receives each batch's synaptic operations, for an exact merge (or null).</param>
    /// <param name="cnnPredictions">The CNN's prediction per image (global index), or null.</param>
    /// <param name="cnnMacs">The CNN's MACs per image.</param>
    /// <param name="progress">Receives the number of images of the range done.</param>
    public static SimulationResult Run(SpikingNetwork net, ILabelledImages data, SimulationOptions options, ImageRange range, SynOpsLedger? ledger,
        int[]? cnnPredictions = null, long cnnMacs = 0, IProgress<int>? progress = null)
    {
        options.Validate();
        if (range.Start < 0 || range.End > data.Count || range.Count < 0 || range.Start % options.BatchSize != 0
            || (range.End % options.BatchSize != 0 && range.End != data.Count))
            throw new ArgumentOutOfRangeException(nameof(range), $"images [{range.Start}, {range.End}) of {data.Count} do not start and end on batches of {options.BatchSize}");
        Readout readout = options.Readout ?? net.Readout;
        (net with { Readout = readout }).Validate(net.Name, requireThresholds: true);
        if (!net.InputShape.AsSpan().SequenceEqual(data.SampleShape))
            throw new ModelDataMismatchException($"SNN \"{net.Name}\" expects images of shape [{string.Join(", ", net.InputShape)}] but dataset {data.Name} has [{string.Join(", ", data.SampleShape)}]");
        int steps = options.Steps, stages = net.Layers.Count;
        var correct = new long[steps];
        long[]? agreement = cnnPredictions is null ? null : new long[steps];
        var spikes = new long[stages][];
        var synOps = new double[stages][];
        for (int s = 0; s < stages; s++) { spikes[s] = new long[steps]; synOps[s] = new double[steps]; }
        var inputSpikes = new long[steps];
        var inputSynOps = new double[steps];
        int batch = Math.Min(options.BatchSize, Math.Max(1, data.Count));
        int block = SnnBlockRunner.BlockSteps(net, batch, steps);
        var runner = new SnnBlockRunner(net, batch, block, options.Encoding, readout, options.Engine);
        for (int start = range.Start; start < range.End; start += options.BatchSize)
        {
            int n = Math.Min(options.BatchSize, data.Count - start);
            double[][]? record = ledger?.Begin(start / options.BatchSize, stages, steps);
            runner.Start(data, start, n, options.Seed);
            for (int t0 = 0; t0 < steps; t0 += block)
            {
                runner.Run(Math.Min(block, steps - t0));
                for (int dt = 0; dt < runner.Steps; dt++)
                {
                    int t = t0 + dt;
                    for (int i = 0; i < n; i++)
                    {
                        int prediction = runner.Prediction(dt, i);
                        if (prediction == data.Label(start + i)) correct[t]++;
                        if (agreement is not null && prediction == cnnPredictions![start + i]) agreement[t]++;
                    }
                    for (int s = 0; s < stages; s++) { spikes[s][t] += runner.Spikes(s)[dt]; synOps[s][t] += runner.SynOps(s)[dt]; }
                    inputSpikes[t] += runner.InputSpikes[dt];
                    inputSynOps[t] += runner.InputSynOps[dt];
                    if (record is null) continue;
                    for (int s = 0; s < stages; s++) record[s][t] = runner.SynOps(s)[dt];
                    record[stages][t] = runner.InputSynOps[dt];
                }
            }
            progress?.Report(start + n - range.Start);
        }
        var shapes = net.Shapes;
        var layers = net.SynapticIndices.Where(s => ((SynapticLayer)net.Layers[s]).Spiking)
            .Select(s => new LayerActivity(s, net.Layers[s].Describe(), shapes[s + 1].Aggregate(1L, (a, b) => a * b), spikes[s], synOps[s]))
            .ToArray();
        int first = net.SynapticIndices[0];
        long firstMacs = ((SynapticLayer)net.Layers[first]).Macs(shapes[first]);
        return new SimulationResult(range.Count, steps, options.Encoding, correct, agreement, layers, inputSpikes, inputSynOps, firstMacs, cnnMacs);
    }
}
