using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SnnConvert.IO;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Models;

/// <summary>
/// Test helpers that read and write the container layout documented in TensorContainer independently of it:
/// "SNNM", uint32 version, uint32 header length, UTF-8 JSON header, uint64 payload length, float32 payload,
/// SHA-256 of everything before it; all little-endian.
/// </summary>
internal static class ContainerFiles
{
    public sealed record Raw(uint Version, string HeaderJson, byte[] Payload);

    /// <summary>Splits a container file into its parts, asserting the documented layout and checksum.</summary>
    public static Raw Read(byte[] bytes)
    {
        Assert.Equal("SNNM"u8.ToArray(), bytes[..4]);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        int headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        string json = Encoding.UTF8.GetString(bytes, 12, headerLength);
        long payloadLength = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(12 + headerLength)));
        int payloadAt = 12 + headerLength + 8;
        Assert.Equal(payloadAt + payloadLength + 32, bytes.Length);
        Assert.Equal(SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)), bytes[^32..]);
        return new Raw(version, json, bytes[payloadAt..(int)(payloadAt + payloadLength)]);
    }

    /// <summary>Assembles a container file with a correct checksum.</summary>
    public static byte[] Build(uint version, string headerJson, byte[] payload)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[12 + header.Length + 8 + payload.Length + 32];
        "SNNM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), version);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)header.Length);
        header.CopyTo(bytes, 12);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(12 + header.Length), (ulong)payload.Length);
        payload.CopyTo(bytes, 12 + header.Length + 8);
        FixChecksum(bytes);
        return bytes;
    }

    /// <summary>Recomputes the trailing SHA-256 after an edit.</summary>
    public static void FixChecksum(byte[] bytes) => SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);

    /// <summary>Offset of the first payload byte.</summary>
    public static int PayloadOffset(byte[] bytes) => 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) + 8;

    /// <summary>
    /// Rewrites a valid container through TensorContainer.Save after editing its header and tensors, so the
    /// result is well-formed with a correct checksum and only the edited content is wrong.
    /// </summary>
    public static void Rewrite(string path, Action<JsonObject>? editHeader = null, Action<List<(string Name, Tensor Value)>>? editTensors = null)
    {
        var contents = TensorContainer.Load(path);
        var header = contents.Header.DeepClone().AsObject();
        editHeader?.Invoke(header);
        var tensors = contents.Tensors.ToList();
        editTensors?.Invoke(tensors);
        TensorContainer.Save(path, contents.Kind, header, tensors);
    }
}
