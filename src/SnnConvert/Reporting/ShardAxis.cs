namespace SnnConvert.Reporting;

/// <summary>What the shards of a reproduction (or comparison) split among themselves.</summary>
public enum ShardAxis
{
    /// <summary>Whole batches of the test images; every shard runs every method.</summary>
    Images,

    /// <summary>The methods (a contiguous run of them, in report order); every shard simulates every test image.</summary>
    Methods,
}
