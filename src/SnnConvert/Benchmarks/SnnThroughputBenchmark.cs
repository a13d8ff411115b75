using System.Diagnostics;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;

namespace SnnConvert.Benchmarks;

/// <summary>Median image-steps per second of SNN simulation (per engine) and of max-current calibration, with the activity they saw.</summary>
/// <param name="Model">Zoo model name.</param>
/// <param name="Source">Where the weights and images came from (a bundled model and its test set, or random).</param>
/// <param name="Steps">Time steps per image (T for simulation, T_calib for calibration).</param>
/// <param name="Batch">Images simulated together.</param>
/// <param name="FiringRate">Spikes per hidden neuron per step in the simulation.</param>
/// <param name="DenseImageStepsPerSecond">Median images x T per second of the dense engine (direct input).</param>
/// <param name="EventDrivenImageStepsPerSecond">Median images x T per second with every spike-fed layer event-driven.</param>
/// <param name="AutoImageStepsPerSecond">Median images x T per second of the automatic choice (the default).</param>
/// <param name="CalibrationImageStepsPerSecond">Median images x T_calib per second of the whole layer-by-layer max-current calibration (automatic engine).</param>
public sealed record SnnThroughputResult(string Model, string Source, int Steps, int Batch, double FiringRate, double DenseImageStepsPerSecond,
    double EventDrivenImageStepsPerSecond, double AutoImageStepsPerSecond, double CalibrationImageStepsPerSecond);

/// <summary>One row of the firing-rate sweep: thresholds scaled by <paramref name="ThresholdScale"/>.</summary>
/// <param name="ThresholdScale">Factor applied to every threshold.</param>
/// <param name="FiringRate">Spikes per hidden neuron per step.</param>
/// <param name="DenseImageStepsPerSecond">Dense engine throughput.</param>
/// <param name="EventDrivenImageStepsPerSecond">Event-driven engine throughput.</param>
public sealed record EventRateSweepRow(double ThresholdScale, double FiringRate, double DenseImageStepsPerSecond, double EventDrivenImageStepsPerSecond);

/// <summary>
/// Measures the SNN engines on a converted zoo model. With a trained model and real images the firing rates are the
/// ones users see (the event-driven engine's cost depends on them); without, random weights and random images are used
/// and thresholds come from max-activation on them.
/// </summary>
public static class SnnThroughputBenchmark
{
    /// <summary>A random-weight stand-in for a zoo model, with random images.</summary>
    public static (SavedModel Model, ImageDataset Images) Synthetic(ZooModel zoo, int images, int seed)
    {
        Random random = SeedMixer.Random(seed, RandomStreams.SnnBenchmark);
        Network network = zoo.Build(random);
        int classes = network.ClassCount, size = zoo.InputShape.Aggregate(1, (a, b) => a * b);
        var pixels = new byte[images * size];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, images).Select(i => (byte)(i % classes)).ToArray();
        var data = new ImageDataset("synthetic", pixels, labels, zoo.InputShape[0], zoo.InputShape[1], zoo.InputShape[2],
            Enumerable.Range(0, classes).Select(i => $"{i}").ToArray());
        return (new SavedModel(network, zoo.Dataset, data.ClassNames, new()), data);
    }

    /// <summary>The network the benchmark simulates: max-current thresholds calibrated on <paramref name="images"/>.</summary>
    public static SpikingNetwork Balanced(SavedModel model, ImageDataset images, int steps, int batch, int seed) =>
        SnnConverter.Convert(model, new ConversionOptions { CalibrationSteps = steps, Seed = seed, BatchSize = batch }, images).Network;

    /// <summary>The SNN template of <paramref name="model"/> (no thresholds), on which the benchmark times calibration.</summary>
    public static SpikingNetwork Template(SavedModel model) => SnnTemplateBuilder.Build(model).Network;

    /// <summary>Runs the benchmark on <paramref name="images"/> (simulated and used for calibration).</summary>
    public static SnnThroughputResult Run(string model, string source, SpikingNetwork net, SpikingNetwork template, ImageDataset images, int steps, int batch,
        int repeats, int seed)
    {
        double work = images.Count * (double)steps;
        SimulationResult? last = null;
        double Simulate(SynapseEngine engine) => ThroughputBenchmark.Median(Measure(() =>
            last = SnnSimulator.Run(net, images, new SimulationOptions(steps, InputEncoding.Direct, seed, batch, Engine: engine)), work, repeats));
        double dense = Simulate(SynapseEngine.Dense), events = Simulate(SynapseEngine.EventDriven), auto = Simulate(SynapseEngine.Auto);
        var settings = new CalibrationSettings(images, steps, seed, batch);
        double calibration = ThroughputBenchmark.Median(Measure(() => new MaxCurrentThresholds().Balance(template, settings), work, repeats));
        return new SnnThroughputResult(model, source, steps, batch, FiringRate(last!, steps), dense, events, auto, calibration);
    }

    /// <summary>Dense and event-driven throughput as the firing rate falls (every threshold multiplied by each scale).</summary>
    public static IReadOnlyList<EventRateSweepRow> RateSweep(SpikingNetwork net, ImageDataset images, int steps, int batch, int repeats, IEnumerable<double> scales)
    {
        var rows = new List<EventRateSweepRow>();
        double work = images.Count * (double)steps;
        foreach (double scale in scales)
        {
            SpikingNetwork scaled = net;
            foreach (int s in net.SynapticIndices)
                if (net.Layers[s] is SynapticLayer { Spiking: true } layer)
                    scaled = scaled.WithLayer(s, layer with { Thresholds = layer.Thresholds.Select(t => (float)(t * scale)).ToArray() });
            SimulationResult? last = null;
            double Simulate(SynapseEngine engine) => ThroughputBenchmark.Median(Measure(() =>
                last = SnnSimulator.Run(scaled, images, new SimulationOptions(steps, BatchSize: batch, Engine: engine)), work, repeats));
            double dense = Simulate(SynapseEngine.Dense), events = Simulate(SynapseEngine.EventDriven);
            rows.Add(new EventRateSweepRow(scale, FiringRate(last!, steps), dense, events));
        }
        return rows;
    }

    private static double FiringRate(SimulationResult result, int steps)
    {
        double spikes = result.Layers.Sum(l => l.SpikesPerImage(steps, result.Images));
        long neurons = result.Layers.Sum(l => l.Neurons);
        return neurons == 0 ? 0 : spikes / (neurons * (double)steps);
    }

    private static double[] Measure(Action run, double work, int repeats)
    {
        run();   // warm-up
        var runs = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            run();
            runs[r] = work / clock.Elapsed.TotalSeconds;
        }
        return runs;
    }
}
