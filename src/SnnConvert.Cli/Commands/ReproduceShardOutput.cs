using SnnConvert.Reporting;

namespace SnnConvert.Cli.Commands;

/// <summary>Writes the partial result of a <c>reproduce</c> or <c>compare</c> shard, with the fingerprint <c>merge</c> checks.</summary>
public static class ReproduceShardOutput
{
    /// <summary>File name of shard <paramref name="shard"/>'s partial result in reproduce's output folder.</summary>
    public static string FileName(ShardSpec shard) => $"partial-{shard.Index}-of-{shard.Count}.json";

    /// <summary>Writes <paramref name="partial"/> of <paramref name="shard"/> (<paramref name="kind"/>: reproduce or compare) to <paramref name="path"/>.</summary>
    /// <param name="kind">The command.</param>
    /// <param name="shard">Which shard.</param>
    /// <param name="partial">Its results.</param>
    /// <param name="modelFile">The CNN's file (its SHA-256 goes into the fingerprint).</param>
    /// <param name="path">Where the partial result goes.</param>
    public static void Write(string kind, ShardSpec shard, ReproducePartial partial, string modelFile, string path)
    {
        var fingerprint = ReproductionShard.Fingerprint(partial);
        fingerprint["model sha256"] = PartialResult.Sha256(modelFile);
        int images = partial.Settings.TestImages;
        PartialResult.Create(kind, shard, images, shard.Images(images, partial.Settings.BatchSize), fingerprint, null, partial).Write(path);
        Terminal.Log($"shard {shard}: partial result in {path} (combine the parts with snnconvert merge)");
    }
}
