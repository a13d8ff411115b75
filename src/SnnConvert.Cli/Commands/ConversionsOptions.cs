using System.CommandLine;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Reporting;

namespace SnnConvert.Cli.Commands;

/// <summary>
/// <c>--calibrate-only</c> and <c>--conversions DIR</c> of <c>reproduce</c> and <c>compare</c>: calibrate every method once
/// into a folder (<see cref="ConversionsFolder"/>), then let the shards (and later runs) load it instead of calibrating.
/// </summary>
public sealed class ConversionsOptions
{
    /// <summary>--calibrate-only.</summary>
    public Option<bool> CalibrateOnly { get; } = new("--calibrate-only")
    {
        Description = "Only calibrate: write every method's .snn and conversions.json to --conversions DIR, for the shards (--shard K/N --conversions DIR) and later runs to load",
    };

    /// <summary>--conversions DIR.</summary>
    public Option<string?> Folder { get; } = new("--conversions")
    {
        Description = "Folder of calibrated methods made by --calibrate-only: load them instead of calibrating (refused when made from another model, dataset, calibration setting or method list)",
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Add(CalibrateOnly);
        command.Add(Folder);
    }

    /// <summary>Refuses --calibrate-only without a folder or with --shard.</summary>
    public void Validate(ParseResult parse, ShardSpec? shard)
    {
        if (!parse.GetValue(CalibrateOnly)) return;
        if (parse.GetValue(Folder) is null) throw new UsageException("--calibrate-only: give --conversions DIR, where the calibrated methods go");
        if (shard is not null) throw new UsageException("--calibrate-only calibrates for all shards; run it once without --shard, then each shard with --conversions");
    }

    /// <summary>With --calibrate-only, calibrates every method into the folder and returns true: the command is done.</summary>
    public bool TryCalibrateOnly(ParseResult parse, SavedModel cnn, string dataset, ImageDataset train, ReproductionOptions options, IReproductionObserver observer)
    {
        if (!parse.GetValue(CalibrateOnly)) return false;
        string folder = parse.GetValue(Folder)!;
        ConversionsManifest manifest = ConversionsFolder.Write(folder, cnn, dataset, train, options, observer);
        Console.Out.WriteLine($"{dataset}: {manifest.Methods.Count} calibrated methods in {folder} " +
            $"(load them with --conversions {folder}: --shard K/N, or the whole run)");
        return true;
    }

    /// <summary>The folder given by --conversions, checked against this run, or null.</summary>
    public ConversionsFolder? Open(ParseResult parse, SavedModel cnn, string dataset, ImageDataset train, ReproductionOptions options) =>
        parse.GetValue(Folder) is { } folder ? ConversionsFolder.Open(folder, cnn, dataset, train.Count, options) : null;
}
