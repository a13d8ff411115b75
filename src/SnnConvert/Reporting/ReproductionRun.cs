using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Training;

namespace SnnConvert.Reporting;

/// <summary>
/// The reproduction pipeline on one dataset: the CNN's reference accuracy, then for every method a conversion
/// (calibrated on the training split, or loaded from a <see cref="ConversionsFolder"/>) and one simulation of the test split up to the largest T, from which every
/// latency's numbers are read.
/// </summary>
public static class ReproductionRun
{
    /// <summary>Runs the pipeline and returns what it measured.</summary>
    /// <param name="cnn">The trained CNN.</param>
    /// <param name="modelPath">Where the CNN came from, for the report.</param>
    /// <param name="dataset">Dataset name, for the report.</param>
    /// <param name="train">Training split: calibration images are drawn from it.</param>
    /// <param name="test">Test images simulated.</param>
    /// <param name="options">Methods, latencies and settings.</param>
    /// <param name="observer">Progress display (null: none).</param>
    /// <param name="command">The command line, for the report.</param>
    /// <param name="trainingSeconds">Wall time spent training <paramref name="cnn"/> first, when it was.</param>
    /// <param name="checkpoints">Where finished methods are kept and found again (null: nowhere).</param>
    /// <param name="conversions">Where the methods are loaded from instead of calibrated (null: calibrate each).</param>
    public static ReproductionReport Run(SavedModel cnn, string modelPath, string dataset, ImageDataset train, ImageDataset test,
        ReproductionOptions options, IReproductionObserver? observer = null, string? command = null, double? trainingSeconds = null,
        ReproductionCheckpoints? checkpoints = null, ConversionsFolder? conversions = null)
    {
        options.Validate();
        observer ??= SilentReproductionObserver.Instance;
        string started = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var total = Stopwatch.StartNew();
        int[] timesteps = options.Timesteps.Distinct().Order().ToArray();

        var clock = Stopwatch.StartNew();
        var (cnnPredictions, cnnAccuracy) = Evaluator.Reference(cnn.Network, test);
        double cnnSeconds = clock.Elapsed.TotalSeconds;
        observer.Log($"CNN accuracy on {test.Count} test images: {cnnAccuracy.ToString("F2", CultureInfo.InvariantCulture)}%");

        // One subset for all methods, so they differ only in how they set thresholds.
        ImageDataset calibration = SnnConverter.CalibrationSubset(train, options.CalibrationSamples, options.Seed);
        ConversionOptions conversion = options.Conversion();
        var simulation = new SimulationOptions(timesteps[^1], options.Encoding, options.Seed, options.BatchSize, options.Readout, options.Engine);
        simulation.Validate();

        var calibrator = new RowCalibrator(cnn, conversion, options.Methods, calibration, observer);
        var results = new List<MethodResult>();
        int reused = 0;
        foreach (MethodVariant variant in options.Methods)
        {
            if (checkpoints?.TryLoad(variant) is { } saved)
            {
                observer.Log($"{variant.Label}: reused from the checkpoint of an earlier run of the same command");
                results.Add(saved);
                reused++;
                continue;
            }
            // Within a method, a run that was killed goes on from its saved conversion and simulation chunks.
            CalibratedMethod calibrated;
            string? conversionSha;
            if (checkpoints?.TryLoadConversion(variant) is { } kept)
            {
                observer.Log($"{variant.Label}: conversion reused from the checkpoint of an earlier run of the same command");
                observer.Converted(variant.Label, kept.Conversion.Snn, kept.Conversion.Warnings);
                (calibrated, conversionSha) = kept;
            }
            else
            {
                calibrated = conversions?.Load(variant, observer) ?? calibrator.Calibrate(variant);
                conversionSha = checkpoints?.SaveConversion(variant, calibrated);
            }
            var (snn, warnings, calibrationSeconds) = calibrated;
            // A row converting another CNN (QcfsRow) is compared with that CNN: its predictions, accuracy and MACs.
            var (reference, predictions, accuracy) = (cnn, cnnPredictions, cnnAccuracy);
            if (variant.Model is { } row)
            {
                clock.Restart();
                reference = row.Cnn;
                (predictions, accuracy) = Evaluator.Reference(row.Cnn.Network, test);
                cnnSeconds += clock.Elapsed.TotalSeconds;
                observer.Log($"{variant.Label}: its CNN {row.Path} scores {accuracy.ToString("F2", CultureInfo.InvariantCulture)}% on the test images");
            }
            clock.Restart();
            // Without checkpoints in one pass (the tuple's elements are evaluated in order: the clock is read after the run).
            var (result, simulationSeconds) = observer.Simulating(variant.Label, test.Count, simulation.Steps, progress => checkpoints is null
                ? (SnnSimulator.Run(snn, test, simulation, predictions, reference.Network.Macs, progress), clock.Elapsed.TotalSeconds)
                : ChunkedSimulation.Run(snn, conversionSha!, variant, checkpoints, test, simulation, predictions, reference.Network.Macs, progress));
            ConversionRecord record = snn.Conversion;
            var method = new MethodResult(variant.Label, record.Method ?? variant.Label, record.Granularity,
                record.Percentile, record.RescaleInputs ?? false, calibrationSeconds, simulationSeconds,
                warnings, LayerThresholds.Of(snn), SimulationReport.From(result, timesteps, accuracy), variant.TargetSteps, variant.PostCalibrationText,
                variant.Model?.Describe(accuracy));
            checkpoints?.Save(variant, method);
            checkpoints?.ClearProgress(variant);
            results.Add(method);
        }

        var first = results.First(m => m.Cnn is null).Report;
        var settingsReport = new ReproductionSettings(test.Count, calibration.Count, options.CalibrationSteps, timesteps,
            options.Encoding.ToString().ToLowerInvariant(), options.Seed, options.BatchSize).With(options);
        var run = new RunInfo(command ?? "", started, Environment.ProcessorCount, Blas.Gemm.Name, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, trainingSeconds, cnnSeconds, total.Elapsed.TotalSeconds + (trainingSeconds ?? 0), reused > 0 ? reused : null);
        return new ReproductionReport(1, dataset, modelPath, cnn.Network.Name, settingsReport, cnnAccuracy, first.CnnMacsPerImage,
            first.CnnEnergyMicrojoules, results, run);
    }
}
