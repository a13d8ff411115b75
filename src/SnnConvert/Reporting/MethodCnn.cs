using System.Text.Json.Serialization;

namespace SnnConvert.Reporting;

/// <summary>
/// The CNN of a row that converts another network than the run's (<see cref="RowCnn"/>), as results.json and the
/// partial results name it. The row's conversion loss, agreement and energy ratio are relative to this CNN.
/// </summary>
/// <param name="Model">The model file, as the report names it.</param>
/// <param name="Network">The network's name.</param>
/// <param name="Sha256">SHA-256 of its architecture and tensors (<see cref="ModelDigest"/>).</param>
/// <param name="Accuracy">Its accuracy in percent on the run's test images; null in a shard's partial result (the merge computes it).</param>
public sealed record MethodCnn(string Model, string Network, string Sha256,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Accuracy = null)
{
    /// <summary>This CNN with its accuracy <paramref name="accuracy"/> (percent), as the merge of the shards finds it.</summary>
    internal MethodCnn WithAccuracy(double? accuracy) => this with { Accuracy = accuracy };
}
