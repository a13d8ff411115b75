using System.Globalization;
using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// Shard <paramref name="Index"/> of <paramref name="Count"/> (0-based, as Slurm's array index from 0 and a Kubernetes
/// Indexed Job's completion index): a contiguous run of whole batches of the test images. Whole batches keep every batch
/// what it is in a run over all images, so each image's numbers (and the float sums inside a batch) are the same bits.
/// A reproduction may split its methods instead (<see cref="ShardAxis.Methods"/>): then a shard is a contiguous run of
/// the methods, over all test images.
/// </summary>
/// <param name="Index">This shard, 0 to <paramref name="Count"/> - 1.</param>
/// <param name="Count">Number of shards.</param>
/// <param name="By">What the shards split.</param>
public sealed record ShardSpec(int Index, int Count, ShardAxis By = ShardAxis.Images)
{
    /// <summary>The single shard of an unsharded run.</summary>
    public static ShardSpec Whole { get; } = new(0, 1);

    /// <summary>Parses "K/N" (0 &lt;= K &lt; N).</summary>
    public static ShardSpec Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new InvalidSettingException(SettingNames.Shard, $"\"{text}\" is not K/N (shard K of N, K counted from 0, e.g. 0/4)");
        if (n < 1) throw new InvalidSettingException(SettingNames.Shard, $"\"{text}\": the number of shards must be at least 1");
        if (k >= n) throw new InvalidSettingException(SettingNames.Shard, $"\"{text}\": shards are numbered 0 to {n - 1}");
        return new ShardSpec(k, n);
    }

    /// <summary>
    /// This shard's images out of <paramref name="images"/> simulated in batches of <paramref name="batchSize"/>: batches
    /// [Index * B / N, (Index + 1) * B / N) of the B batches. Empty when there are fewer batches than shards. All of them
    /// when the shards split the methods.
    /// </summary>
    public ImageRange Images(int images, int batchSize)
    {
        if (By == ShardAxis.Methods) return new ImageRange(0, images);
        int batches = (images + batchSize - 1) / batchSize;
        int first = (int)((long)Index * batches / Count), end = (int)((long)(Index + 1) * batches / Count);
        return new ImageRange(Math.Min(images, first * batchSize), Math.Min(images, end * batchSize));
    }

    /// <summary>
    /// This shard's methods out of <paramref name="methods"/>: [Index * M / N, (Index + 1) * M / N) of the M methods when the
    /// shards split the methods (empty when there are fewer methods than shards), else all of them.
    /// </summary>
    public IReadOnlyList<T> Methods<T>(IReadOnlyList<T> methods)
    {
        if (By == ShardAxis.Images) return methods;
        int first = (int)((long)Index * methods.Count / Count), end = (int)((long)(Index + 1) * methods.Count / Count);
        return [.. methods.Skip(first).Take(end - first)];
    }

    /// <inheritdoc/>
    public override string ToString() => By == ShardAxis.Methods ? $"{Index}/{Count} (methods)" : $"{Index}/{Count}";
}
