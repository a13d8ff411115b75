using System.Globalization;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;

namespace SnnConvert.Cli.Commands;

/// <summary><c>simulate --shard K/N</c>: simulates one shard of the test images and writes its partial result for <c>merge</c>.</summary>
public static class SimulateShard
{
    /// <summary>Runs shard <paramref name="shard"/> and writes its partial result to <paramref name="partPath"/>.</summary>
    /// <param name="shard">Which shard.</param>
    /// <param name="snnPath">The .snn as given (its SHA-256 goes into the fingerprint).</param>
    /// <param name="snn">The network.</param>
    /// <param name="datasetName">The dataset's name.</param>
    /// <param name="test">All test images (after --limit).</param>
    /// <param name="options">Simulation settings.</param>
    /// <param name="timesteps">Latencies reported.</param>
    /// <param name="cnn">The CNN and its file, or null.</param>
    /// <param name="partPath">Where the partial result goes.</param>
    public static void Run(ShardSpec shard, string snnPath, SpikingNetwork snn, string datasetName, ImageDataset test, SimulationOptions options,
        int[] timesteps, (SavedModel Model, string Path)? cnn, string partPath)
    {
        ImageRange range = shard.Images(test.Count, options.BatchSize);
        int[]? predictions = null;
        int? cnnCorrect = null;
        if (cnn is { } c) (predictions, cnnCorrect) = ShardReference.Predict(c.Model.Network, test, range);
        var ledger = new SynOpsLedger();
        SimulationResult result = SnnRun.WithSimulationProgress($"{snn.Conversion.Method} shard {shard}", range.Count, options.Steps,
            progress => SnnSimulator.Run(snn, test, options, range, ledger, predictions, cnn?.Model.Network.Macs ?? 0, progress));
        var fingerprint = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["snn"] = snnPath,
            ["snn sha256"] = PartialResult.Sha256(snnPath),
            ["model sha256"] = cnn is { } m ? PartialResult.Sha256(m.Path) : "(none)",
            ["model input"] = cnn?.Model.Training["input"]?.ToJsonString() ?? "(none)",
            ["dataset"] = datasetName,
            ["timesteps"] = string.Join(",", timesteps),
            ["steps"] = Text(options.Steps),
            ["encoding"] = options.Encoding.ToString(),
            ["seed"] = Text(options.Seed),
            ["batch size"] = Text(options.BatchSize),
            ["readout"] = options.Readout?.ToString() ?? "(the network's)",
            ["engine"] = options.Engine.ToString(),
        };
        var partial = new SimulatePartial(snnPath, snn.Conversion.Method, timesteps, PartialSimulation.From(result, ledger, snn.Layers.Count, cnnCorrect));
        PartialResult.Create("simulate", shard, test.Count, range, fingerprint, partial).Write(partPath);
        Terminal.Log($"shard {shard}: images [{range.Start}, {range.End}) of {test.Count}; partial result in {partPath} (combine the parts with snnconvert merge)");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
