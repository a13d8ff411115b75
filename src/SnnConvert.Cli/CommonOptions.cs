using System.CommandLine;

namespace SnnConvert.Cli;

/// <summary>Options shared by several commands.</summary>
public static class CommonOptions
{
    /// <summary>--data-dir: where datasets are looked for first.</summary>
    public static Option<string?> DataDir() => new("--data-dir")
    {
        Description = "Folder holding datasets (searched before SNNCONVERT_DATA, ~/.cache/snnconvert/datasets, /usr/share/datasets and shared/datasets beside the checkout)",
    };

    /// <summary>--download: fetch a missing dataset.</summary>
    public static Option<bool> Download() => new("--download")
    {
        Description = "Download the dataset into the cache when it is not found (verified by SHA-256)",
    };

    /// <summary>--dataset: mnist, fmnist or cifar10.</summary>
    public static Option<string> Dataset(bool required) => new("--dataset")
    {
        Description = "Dataset: mnist, fmnist or cifar10",
        Required = required,
    };

    /// <summary>--seed: source of every random choice.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed for every random choice (initialisation, shuffling, augmentation, dropout)",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>--shard K/N: evaluate shard K (from 0) of N of the test images and write a partial result for <c>merge</c>.</summary>
    public static Option<string?> Shard() => new("--shard")
    {
        Description = "Simulate only shard K of N (K from 0, e.g. 0/4) of the test images and write a partial result (to --json) for `snnconvert merge`",
    };

    /// <summary>--shard-by images|methods of compare and reproduce: what the shards split.</summary>
    public static Option<string> ShardBy() => new("--shard-by")
    {
        Description = "What --shard K/N splits: images (whole batches of the test images) or methods (a run of the methods, each over all test images; the shards then also split the calibration)",
        DefaultValueFactory = _ => "images",
    };

    /// <summary><paramref name="shard"/> splitting what --shard-by names; --shard-by methods without --shard is refused.</summary>
    public static Reporting.ShardSpec? WithShardAxis(ParseResult parse, Reporting.ShardSpec? shard, Option<string> shardBy)
    {
        var axis = SnnOptions.ParseEnum<Reporting.ShardAxis>("--shard-by", parse.GetValue(shardBy)!);
        if (shard is null && axis == Reporting.ShardAxis.Methods) throw new UsageException("--shard-by methods: give --shard K/N too");
        return shard is null ? null : shard with { By = axis };
    }

    /// <summary>The --shard value, or null; a shard needs <paramref name="output"/> (where its partial result goes).</summary>
    public static Reporting.ShardSpec? ParseShard(ParseResult parse, Option<string?> shard, Option<string?> output)
    {
        if (parse.GetValue(shard) is not { } text) return null;
        if (parse.GetValue(output) is null) throw new UsageException($"--shard: give {output.Name} FILE, where the shard's partial result goes");
        return Reporting.ShardSpec.Parse(text);
    }
}
