using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.Tensors;

namespace SnnConvert.IO;

/// <summary>
/// The binary container behind SnnConvert's model (.snnm) and checkpoint files. Layout, all little-endian:
/// <code>
/// "SNNM"            4 bytes magic
/// version           uint32 (1)
/// headerLength      uint32, then that many bytes of UTF-8 JSON: { "kind", "header": {...}, "tensors": [{ "name", "shape" }] }
/// payloadLength     uint64, then the tensors' float32 values, concatenated in the order of "tensors"
/// sha256            32 bytes over everything before it
/// </code>
/// Loading checks the magic, version, lengths against the file size, the checksum, and each tensor's size.
/// </summary>
public static class TensorContainer
{
    /// <summary>Current format version.</summary>
    public const int Version = 1;
    private static readonly byte[] Magic = "SNNM"u8.ToArray();
    private const int MaxHeaderBytes = 16 << 20;

    /// <summary>Writes a container atomically.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="kind">"model" or "checkpoint".</param>
    /// <param name="header">Free-form JSON header (architecture, metadata...).</param>
    /// <param name="tensors">Named tensors, stored in order.</param>
    public static void Save(string path, string kind, JsonObject header, IEnumerable<(string Name, Tensor Value)> tensors)
    {
        var list = tensors.ToList();
        var json = new JsonObject
        {
            ["kind"] = kind,
            ["header"] = header.DeepClone(),
            ["tensors"] = new JsonArray(list.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["shape"] = new JsonArray(t.Value.Shape.Select(d => (JsonNode)d).ToArray()),
            }).ToArray()),
        };
        byte[] headerBytes = Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        long payload = list.Sum(t => (long)t.Value.Length * 4);
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> bytes) { stream.Write(bytes); hash.AppendData(bytes); }
            Span<byte> scratch = stackalloc byte[8];
            Put(Magic);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, Version); Put(scratch[..4]);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)headerBytes.Length); Put(scratch[..4]);
            Put(headerBytes);
            BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)payload); Put(scratch);
            byte[] buffer = new byte[1 << 16];
            foreach (var (_, value) in list)
            {
                ReadOnlySpan<float> data = value.Data;
                for (int i = 0; i < data.Length; i += buffer.Length / 4)
                {
                    int count = Math.Min(buffer.Length / 4, data.Length - i);
                    for (int j = 0; j < count; j++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(j * 4), data[i + j]);
                    Put(buffer.AsSpan(0, count * 4));
                }
            }
            stream.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>A loaded container.</summary>
    /// <param name="Kind">"model" or "checkpoint".</param>
    /// <param name="Header">The JSON header.</param>
    /// <param name="Tensors">Tensors by name, in file order.</param>
    public sealed record Contents(string Kind, JsonObject Header, IReadOnlyList<(string Name, Tensor Value)> Tensors);

    /// <summary>Reads and verifies a container.</summary>
    /// <exception cref="ModelFormatException">The file is missing, truncated, altered, or of another format or version.</exception>
    public static Contents Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot read the model file: {e.Message}", e);
        }
        return Parse(path, bytes);
    }

    /// <summary>Verifies and decodes a container held in memory; <paramref name="path"/> is used in messages.</summary>
    /// <exception cref="ModelFormatException">The bytes are truncated, altered, or of another format or version.</exception>
    public static Contents Parse(string path, ReadOnlySpan<byte> bytes)
    {
        const int fixedBytes = 4 + 4 + 4 + 8 + 32;
        if (bytes.Length < fixedBytes)
            throw new ModelFormatException($"{path}: file is {bytes.Length} bytes, too short for an SnnConvert model (at least {fixedBytes})");
        if (!bytes[..4].SequenceEqual(Magic))
            throw new ModelFormatException($"{path}: magic number is {Convert.ToHexString(bytes[..4])}, expected 534E4E4D (\"SNNM\"): not an SnnConvert model file");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        if (version != Version)
            throw new ModelFormatException($"{path}: format version is {version}, this build reads version {Version}");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (headerLength > MaxHeaderBytes || 12L + headerLength + 8 + 32 > bytes.Length)
            throw new ModelFormatException($"{path}: header length field is {headerLength} bytes but the file has {bytes.Length} bytes (truncated file?)");
        int payloadAt = 12 + (int)headerLength + 8;
        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(12 + (int)headerLength)..]);
        long expectedSize = payloadAt + (long)Math.Min(payloadLength, (ulong)long.MaxValue / 2) + 32;
        if (payloadLength > (ulong)bytes.Length || expectedSize != bytes.Length)
            throw new ModelFormatException($"{path}: file is {bytes.Length} bytes but its header says {expectedSize} (payload {payloadLength} bytes): truncated or extended file");
        byte[] actualHash = SHA256.HashData(bytes[..^32]);
        if (!bytes[^32..].SequenceEqual(actualHash))
            throw new ModelFormatException($"{path}: SHA-256 checksum mismatch (stored {Convert.ToHexString(bytes[^32..])}, computed {Convert.ToHexString(actualHash)}): the file was altered or corrupted");

        JsonObject json;
        try
        {
            // Strict UTF-8 and a full walk up front: JsonNode parses lazily, so invalid UTF-8 in a string or a
            // repeated property name would otherwise surface later as other exceptions (found by fuzzing).
            string text = StrictUtf8.GetString(bytes.Slice(12, (int)headerLength));
            json = JsonNode.Parse(text)?.AsObject() ?? throw new JsonException("empty header");
            Materialize(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new ModelFormatException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        string kind = Field(path, "header field \"kind\"", () => json["kind"]?.GetValue<string>())
            ?? throw new ModelFormatException($"{path}: header field \"kind\" is missing");
        JsonObject header = Field(path, "header field \"header\"", () => json["header"]?.AsObject())
            ?? throw new ModelFormatException($"{path}: header field \"header\" is missing");
        JsonArray entries = Field(path, "header field \"tensors\"", () => json["tensors"]?.AsArray())
            ?? throw new ModelFormatException($"{path}: header field \"tensors\" is missing");
        var tensors = new List<(string, Tensor)>();
        long offset = payloadAt;
        for (int index = 0; index < entries.Count; index++)
        {
            JsonNode? entry = entries[index];
            string name = Field(path, $"tensor entry {index}", () => entry?["name"]?.GetValue<string>())
                ?? throw new ModelFormatException($"{path}: a tensor entry has no \"name\"");
            int[] shape = Field(path, $"shape of tensor \"{name}\"", () => entry!["shape"]?.AsArray()
                    .Select(d => d?.GetValue<int>() ?? throw new FormatException("a dimension is null")).ToArray())
                ?? throw new ModelFormatException($"{path}: tensor \"{name}\" has no \"shape\"");
            long count = 1;
            foreach (int d in shape)
            {
                if (d < 0) throw new ModelFormatException($"{path}: tensor \"{name}\" has a negative dimension in shape {Tensor.ShapeToText(shape)}");
                count *= d;
                if (count * 4 > (long)payloadLength) break;
            }
            if (offset + count * 4 > payloadAt + (long)payloadLength)
                throw new ModelFormatException($"{path}: tensor \"{name}\" of shape {Tensor.ShapeToText(shape)} runs past the payload of {payloadLength} bytes");
            var data = new float[count];
            ReadOnlySpan<byte> src = bytes.Slice((int)offset, (int)count * 4);
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
            tensors.Add((name, new Tensor(data, shape)));
            offset += count * 4;
        }
        if (offset != payloadAt + (long)payloadLength)
            throw new ModelFormatException($"{path}: tensors cover {offset - payloadAt} bytes but the payload is {payloadLength} bytes");
        return new Contents(kind, header, tensors);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Visits every node, so a duplicate property name or an undecodable string fails here, inside the parse.
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var property in o) Materialize(property.Value);
                break;
            case JsonArray a:
                foreach (JsonNode? item in a) Materialize(item);
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                _ = v.GetValue<string>();
                break;
        }
    }

    // Reads one JSON value; a value of the wrong JSON type becomes a ModelFormatException naming it.
    private static T? Field<T>(string path, string what, Func<T?> read)
    {
        try { return read(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw new ModelFormatException($"{path}: {what} is malformed: {e.Message}", e);
        }
    }
}
