using System.CommandLine;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert convert</c>: CNN model file to SNN file with one threshold method.</summary>
public static class ConvertCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var o = new SnnOptions();
        var source = new ModelSource("Trained CNN (.snnm)");
        var method = new Option<string?>("--method")
        {
            Description = "max-current (the seed), max-activation, percentile, spike-norm, channel-max-activation or qcfs (a model trained with QCFS " +
                "activations: its trained thresholds); default: qcfs for a QCFS model, else max-current",
        };
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset whose training split calibrates (default: the model's)";
        var output = new Option<string>("--out") { Description = "SNN file to write (.snn)", Required = true };
        var seed = CommonOptions.Seed();
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("convert", "Convert a trained CNN into an SNN, setting thresholds with a balancing method")
        {
            source.Model, source.Onnx, method, dataset, output, seed, dataDir, download,
        };
        foreach (var option in o.Calibration) command.Add(option);
        command.Add(o.PostCalibSamples);
        command.Add(o.PostCalibPasses);
        command.Add(o.MembraneGranularityOption);
        command.Add(o.ReadoutDelayOption);
        command.Add(o.BatchSize);
        source.AddOnnxOptions(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            bool lowLatency = parse.GetValue(o.LowLatency) is not null;
            if (lowLatency && parse.GetValue(method) is { } named && named != "max-current")
                throw new UsageException($"--low-latency: is --method max-current with --target-T and --calibrate bias,membrane; do not also give --method {named}");
            o.ValidateCalibration(parse, [parse.GetValue(method) ?? "max-current"]);   // every option before the model and the data
            _ = o.PostCalibrationSamples(parse);
            _ = o.PostCalibrationPasses(parse);
            _ = o.MembraneGranularityChoice(parse);
            _ = o.ReadoutDelayChoice(parse);
            SavedModel cnn = source.Load(parse, parse.GetValue(dataset));
            string methodName = parse.GetValue(method) ?? (lowLatency ? "max-current" : SnnRun.DefaultMethod(cnn));
            string name = parse.GetValue(dataset) ?? cnn.Dataset ?? throw new UsageException("--dataset: the model records no dataset (an ONNX model never does); name one");
            var train = DatasetAccess.Load(name, "train", parse.GetValue(dataDir), parse.GetValue(download), null);
            Terminal.LogBackend();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            SpikingNetwork snn = SnnRun.Convert(parse, o, cnn, methodName, train, parse.GetValue(seed)).WithCalibrationSeconds(clock.Elapsed.TotalSeconds);
            SnnFile.Save(parse.GetValue(output)!, snn);
            Terminal.Out.Write(SnnRun.ThresholdTable(snn));
            if (snn.Conversion.ReadoutDelay is { } search)
                Console.Out.WriteLine($"readout delay: {search.Delay} of {search.TargetSteps} steps (output error against the CNN's logits on {search.Images} images, " +
                    $"delay 0 ... {search.TargetSteps - 1}: {string.Join(" / ", search.Errors.Select(e => e.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)))})");
            else if (snn.ReadoutDelay > 0) Console.Out.WriteLine($"readout delay: {snn.ReadoutDelay} steps");
            Console.Out.WriteLine($"snn: {parse.GetValue(output)} ({snn.Conversion.Method}, {clock.Elapsed.TotalSeconds:F1} s)");
            return 0;
        }));
        return command;
    }
}
