using System.Diagnostics;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Training;

/// <summary>Median image-steps per second of SNN simulation and of max-current calibration, with their runs.</summary>
/// <param name="Model">Zoo model name.</param>
/// <param name="Steps">Time steps per image (T for simulation, T_calib for calibration).</param>
/// <param name="SimulationImageStepsPerSecond">Median images x T per second of simulation (direct input).</param>
/// <param name="CalibrationImageStepsPerSecond">Median images x T_calib per second of the whole layer-by-layer max-current calibration.</param>
/// <param name="SimulationRuns">Each repeat's simulation throughput.</param>
/// <param name="CalibrationRuns">Each repeat's calibration throughput.</param>
public sealed record SnnThroughputResult(string Model, int Steps, double SimulationImageStepsPerSecond, double CalibrationImageStepsPerSecond,
    double[] SimulationRuns, double[] CalibrationRuns);

/// <summary>
/// Measures the SNN engine on a zoo architecture with random weights and random images: the dense engine's cost
/// does not depend on the weights' values, only on the shapes. Thresholds come from max-activation on the same images.
/// </summary>
public static class SnnThroughputBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static SnnThroughputResult Run(ZooModel zoo, int images, int steps, int batch, int repeats, int seed)
    {
        Random random = SeedMixer.Random(seed, 101);
        Network network = zoo.Build(random);
        int classes = network.ClassCount, size = zoo.InputShape.Aggregate(1, (a, b) => a * b);
        var pixels = new byte[images * size];
        random.NextBytes(pixels);
        var labels = Enumerable.Range(0, images).Select(i => (byte)(i % classes)).ToArray();
        var data = new ImageDataset("synthetic", pixels, labels, zoo.InputShape[0], zoo.InputShape[1], zoo.InputShape[2],
            Enumerable.Range(0, classes).Select(i => $"{i}").ToArray());
        var model = new SavedModel(network, zoo.Dataset, data.ClassNames, new());
        var settings = new CalibrationSettings(data, steps, seed, batch);
        SpikingNetwork template = CnnToSnnConverter.Convert(model).Network;
        SpikingNetwork net = new MaxActivationThresholds().Balance(template, settings);
        var options = new SimulationOptions(steps, InputEncoding.Direct, seed, batch);

        double[] simulation = Measure(() => SnnSimulator.Run(net, data, options), images * (double)steps, repeats);
        double[] calibration = Measure(() => new MaxCurrentThresholds().Balance(template, settings), images * (double)steps, repeats);
        return new SnnThroughputResult(zoo.Name, steps, ThroughputBenchmark.Median(simulation), ThroughputBenchmark.Median(calibration), simulation, calibration);
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
