using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Training;

namespace SnnConvert.Reporting;

/// <summary>A method's conversion and its shard's simulation sums.</summary>
/// <param name="Label">Label in tables and legends.</param>
/// <param name="Method">The threshold method's name.</param>
/// <param name="Granularity">"channel" or "layer" thresholds.</param>
/// <param name="Percentile">Percentile of the calibration statistic, when the method has one.</param>
/// <param name="RescaleInputs">Whether synapses were multiplied by the presynaptic thresholds.</param>
/// <param name="CalibrationSeconds">Wall time of the calibration (this shard's, or the one recorded in the conversions folder).</param>
/// <param name="SimulationSeconds">Wall time of this shard's simulation.</param>
/// <param name="Warnings">Conversion warnings.</param>
/// <param name="Thresholds">Thresholds per weighted layer.</param>
/// <param name="Simulation">The shard's sums.</param>
/// <param name="TargetSteps">The row's own target latency, or null (absent from the JSON).</param>
/// <param name="PostCalibration">The row's own post-calibration ("bias, membrane"), or null (absent from the JSON).</param>
/// <param name="Cnn">The CNN this row converted when it is not the run's (without its accuracy: <see cref="Simulation"/> counts its
/// correct predictions), or null (absent from the JSON).</param>
public sealed record MethodPartial(string Label, string Method, string? Granularity, double? Percentile, bool RescaleInputs, double CalibrationSeconds,
    double SimulationSeconds, IReadOnlyList<string> Warnings, IReadOnlyList<LayerThresholds> Thresholds, PartialSimulation Simulation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TargetSteps = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PostCalibration = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MethodCnn? Cnn = null);

/// <summary>What a shard of <c>reproduce</c> or <c>compare</c> measured: the report's fixed fields and every method's partial.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Model">The model file converted.</param>
/// <param name="Network">The network's name.</param>
/// <param name="Settings">What was run (test images: the whole run's).</param>
/// <param name="Run">When, where and how long this shard ran.</param>
/// <param name="Methods">One partial per method of this shard, in report order.</param>
/// <param name="RunMethods">Every method's label of the whole run, when the shards split the methods (else null).</param>
/// <param name="RowModels">"label = sha256" of every row of the whole run that converts another CNN (<see cref="QcfsRow"/>), so that
/// the merge refuses shards given different ones; null (absent from the JSON) when the run has none.</param>
public sealed record ReproducePartial(string Dataset, string Model, string Network, ReproductionSettings Settings, RunInfo Run, IReadOnlyList<MethodPartial> Methods,
    IReadOnlyList<string>? RunMethods = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? RowModels = null);

/// <summary>
/// One shard of <see cref="ReproductionRun"/>: every method is loaded from the <see cref="ConversionsFolder"/> calibrated
/// once for all shards (or, without one, calibrated as in the whole run: calibration is sequential and needs only a few
/// thousand images, docs/scaling.md), and only the shard's test images are simulated. The merge
/// (<see cref="Merge"/>) gives the whole run's report: the same numbers to the bit; only wall times and the start time
/// come from the shards.
/// </summary>
public static class ReproductionShard
{
    /// <summary>Runs shard <paramref name="shard"/>; the arguments are those of <see cref="ReproductionRun.Run"/>.</summary>
    public static ReproducePartial Run(SavedModel cnn, string modelPath, string dataset, ImageDataset train, ImageDataset test,
        ReproductionOptions options, ShardSpec shard, IReproductionObserver? observer = null, string? command = null, ConversionsFolder? conversions = null)
    {
        options.Validate();
        observer ??= SilentReproductionObserver.Instance;
        string started = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var total = Stopwatch.StartNew();
        int[] timesteps = options.Timesteps.Distinct().Order().ToArray();
        ImageRange range = shard.Images(test.Count, options.BatchSize);
        var clock = Stopwatch.StartNew();
        var (cnnPredictions, cnnCorrect) = ShardReference.Predict(cnn.Network, test, range);
        double cnnSeconds = clock.Elapsed.TotalSeconds;
        observer.Log($"shard {shard}: test images [{range.Start}, {range.End}) of {test.Count}");

        ImageDataset calibration = SnnConverter.CalibrationSubset(train, options.CalibrationSamples, options.Seed);
        ConversionOptions conversion = options.Conversion();
        var simulation = new SimulationOptions(timesteps[^1], options.Encoding, options.Seed, options.BatchSize, options.Readout, options.Engine);
        simulation.Validate();
        IReadOnlyList<MethodVariant> rows = [.. shard.Methods(options.Methods)];
        // A shard shares thresholds only between its own rows: one holding a preset row alone calibrates its thresholds.
        var calibrator = new RowCalibrator(cnn, conversion, rows, calibration, observer);
        var methods = new List<MethodPartial>();
        foreach (MethodVariant variant in rows)
        {
            var (snn, warnings, calibrationSeconds) = conversions?.Load(variant, observer) ?? calibrator.Calibrate(variant);
            // A row converting another CNN (QcfsRow) is compared with that CNN, on the same images in the same batches.
            var (reference, predictions, correct) = (cnn, cnnPredictions, cnnCorrect);
            if (variant.Model is { } row)
            {
                clock.Restart();
                reference = row.Cnn;
                (predictions, correct) = ShardReference.Predict(row.Cnn.Network, test, range);
                cnnSeconds += clock.Elapsed.TotalSeconds;
            }
            clock.Restart();
            var ledger = new SynOpsLedger();
            SimulationResult result = observer.Simulating(variant.Label, range.Count, simulation.Steps,
                progress => SnnSimulator.Run(snn, test, simulation, range, ledger, predictions, reference.Network.Macs, progress));
            ConversionRecord record = snn.Conversion;
            methods.Add(new MethodPartial(variant.Label, record.Method ?? variant.Label, record.Granularity, record.Percentile, record.RescaleInputs ?? false,
                calibrationSeconds, clock.Elapsed.TotalSeconds, warnings, LayerThresholds.Of(snn),
                PartialSimulation.From(result, ledger, snn.Layers.Count, correct), variant.TargetSteps, variant.PostCalibrationText, variant.Model?.Describe()));
        }
        string[] rowModels = [.. options.Methods.Where(m => m.Model is not null).Select(m => $"{m.Label} = {m.Model!.Sha256}")];
        var settingsReport = new ReproductionSettings(test.Count, calibration.Count, options.CalibrationSteps, timesteps,
            options.Encoding.ToString().ToLowerInvariant(), options.Seed, options.BatchSize).With(options);
        var run = new RunInfo(command ?? "", started, Environment.ProcessorCount, Blas.Gemm.Name, RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription, null, cnnSeconds, total.Elapsed.TotalSeconds);
        return new ReproducePartial(dataset, modelPath, cnn.Network.Name, settingsReport, run, methods,
            shard.By == ShardAxis.Methods ? [.. options.Methods.Select(m => m.Label)] : null, rowModels.Length > 0 ? rowModels : null);
    }

    /// <summary>
    /// What every shard of one run shares, for the merge's check: the report's fixed fields, what the shards split, and
    /// each method's conversion (its thresholds, to the bit, so that shards that calibrated differently are refused;
    /// when the shards split the methods, each conversion is in one shard only and the method list is the run's).
    /// </summary>
    public static SortedDictionary<string, string> Fingerprint(ReproducePartial partial)
    {
        var fingerprint = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["dataset"] = partial.Dataset,
            ["model"] = partial.Model,
            ["network"] = partial.Network,
            ["settings"] = JsonSerializer.Serialize(partial.Settings, PartialResult.Json),
            ["batch size"] = partial.Settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["methods"] = string.Join(",", partial.RunMethods ?? [.. partial.Methods.Select(m => m.Label)]),
        };
        if (partial.RunMethods is null)
        {
            fingerprint["conversions"] = JsonSerializer.Serialize(
                partial.Methods.Select(m => new { m.Label, m.Method, m.Granularity, m.Percentile, m.RescaleInputs, m.Warnings, m.Thresholds }), PartialResult.Json);
            // Post-calibration changes biases and initial membranes, not only thresholds: the rows' own settings are
            // compared too, under a key of their own that runs without such rows do not have.
            if (partial.Methods.Any(m => m.TargetSteps is not null || m.PostCalibration is not null))
                fingerprint["row conversions"] = string.Join("; ", partial.Methods.Select(m => $"{m.Label}: {m.TargetSteps} {m.PostCalibration}"));
        }
        else
            fingerprint["shard by"] = "methods";   // absent for image shards, as in the files written before methods could be split
        // The CNNs of the rows that convert another one (every shard lists the run's, whatever it split); absent without such rows.
        if (partial.RowModels is not null) fingerprint["row models"] = string.Join("; ", partial.RowModels);
        return fingerprint;
    }

    /// <summary>
    /// The whole run's report from its shards' partials (ordered by shard). Wall times: a method's calibration time is the
    /// longest shard's (that of the conversions folder when the shards loaded one), its simulation time the sum over shards (the work done); the run's start
    /// and host are shard 0's, its CNN and total times sums over shards.
    /// </summary>
    public static ReproductionReport Merge(IReadOnlyList<ReproducePartial> parts, Func<int, string> source)
    {
        ReproducePartial head = parts[0];
        if (head.RunMethods is not null) return MethodShards.Merge(parts, source);
        var methods = new List<MethodResult>();
        double? cnnAccuracy = null;
        for (int m = 0; m < head.Methods.Count; m++)
        {
            MethodPartial first = head.Methods[m];
            var (result, accuracy) = PartialSimulation.Merge(parts.Select(p => p.Methods[m].Simulation).ToArray(), source);
            if (first.Cnn is null) cnnAccuracy = accuracy;   // a row converting another CNN has that CNN's accuracy
            methods.Add(new MethodResult(first.Label, first.Method, first.Granularity, first.Percentile, first.RescaleInputs,
                parts.Max(p => p.Methods[m].CalibrationSeconds), parts.Sum(p => p.Methods[m].SimulationSeconds), first.Warnings, first.Thresholds,
                SimulationReport.From(result, head.Settings.Timesteps, accuracy), first.TargetSteps, first.PostCalibration, first.Cnn?.WithAccuracy(accuracy)));
        }
        var firstReport = methods.First(m => m.Cnn is null).Report;
        RunInfo run = head.Run with { CnnSeconds = parts.Sum(p => p.Run.CnnSeconds), TotalSeconds = parts.Sum(p => p.Run.TotalSeconds) };
        return new ReproductionReport(1, head.Dataset, head.Model, head.Network, head.Settings, cnnAccuracy ?? 0, firstReport.CnnMacsPerImage,
            firstReport.CnnEnergyMicrojoules, methods, run);
    }
}
