using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using SnnConvert.Errors;
using SnnConvert.IO;

namespace SnnConvert.Reporting;

/// <summary>What a sharded <c>simulate</c> needs besides its sums to write the unsharded run's JSON.</summary>
/// <param name="Snn">The .snn path as given (the JSON names it).</param>
/// <param name="Method">The SNN's threshold method.</param>
/// <param name="Timesteps">Latencies reported.</param>
/// <param name="Simulation">The shard's sums.</param>
public sealed record SimulatePartial(string Snn, string? Method, int[] Timesteps, PartialSimulation Simulation);

/// <summary>
/// The file one shard writes (see docs/scaling.md): which shard of how many, the test images it covered, a fingerprint
/// of everything the shards must share (checksums of the model and .snn files, settings), and its exact sums. The last
/// property, <see cref="Complete"/>, is written last, so a file cut short is recognised as such.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Version">Layout version (1).</param>
/// <param name="Kind">The command that wrote it: simulate, reproduce or compare.</param>
/// <param name="Shard">This shard, 0 to <paramref name="Shards"/> - 1.</param>
/// <param name="Shards">Number of shards.</param>
/// <param name="TotalImages">Test images of the whole run.</param>
/// <param name="FirstImage">First image of this shard.</param>
/// <param name="EndImage">One past this shard's last image.</param>
/// <param name="Fingerprint">Named values every shard of one run must share.</param>
/// <param name="Simulate">A simulate shard's sums, or null.</param>
/// <param name="Reproduce">A reproduce or compare shard's results, or null.</param>
/// <param name="Complete">True; missing or false in a file cut short.</param>
public sealed record PartialResult(string Format, int Version, string Kind, int Shard, int Shards, int TotalImages, int FirstImage, int EndImage,
    SortedDictionary<string, string> Fingerprint, SimulatePartial? Simulate, ReproducePartial? Reproduce, bool Complete)
{
    /// <summary>The <see cref="Format"/> of every partial result.</summary>
    public const string FormatName = "snnconvert-partial-result";

    /// <summary>Serializer settings: indented camelCase, enums by name; doubles are written shortest-round-trip, so read back exactly.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>A complete partial result of <paramref name="shard"/> (its image range from <paramref name="range"/>).</summary>
    public static PartialResult Create(string kind, ShardSpec shard, int totalImages, Snn.ImageRange range, SortedDictionary<string, string> fingerprint,
        SimulatePartial? simulate, ReproducePartial? reproduce = null) =>
        new(FormatName, 1, kind, shard.Index, shard.Count, totalImages, range.Start, range.End, fingerprint, simulate, reproduce, true);

    /// <summary>Writes the file atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads a partial result; throws <see cref="PartialResultFormatException"/> for a file cut short or of another kind.</summary>
    public static PartialResult Read(string path)
    {
        if (!File.Exists(path)) throw new PartialResultFormatException($"{path}: no such partial result file");
        PartialResult? part;
        try
        {
            part = JsonSerializer.Deserialize<PartialResult>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new PartialResultFormatException($"{path}: not a complete partial result (truncated or not JSON: {e.Message}); run its shard again", e);
        }
        if (part is null || part.Format != FormatName)
            throw new PartialResultFormatException($"{path}: not a partial result (format \"{part?.Format}\", expected \"{FormatName}\")");
        if (part.Version != 1) throw new PartialResultFormatException($"{path}: partial result version {part.Version}, this snnconvert reads version 1");
        if (!part.Complete) throw new PartialResultFormatException($"{path}: the partial result is incomplete (its last field is missing); run its shard again");
        if (part.Fingerprint is null || (part.Simulate is null) == (part.Reproduce is null))
            throw new PartialResultFormatException($"{path}: the partial result lacks its fingerprint or its sums");
        return part;
    }

    /// <summary>SHA-256 of a file's bytes, lower-case hex.</summary>
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
