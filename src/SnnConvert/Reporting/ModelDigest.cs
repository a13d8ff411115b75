using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SnnConvert.Models;

namespace SnnConvert.Reporting;

/// <summary>
/// A digest of what a CNN computes: its architecture and every tensor, not its file, so that the same network read
/// from a .snnm or an ONNX file, or from a copy elsewhere, has the same digest.
/// </summary>
public static class ModelDigest
{
    /// <summary>Adds <paramref name="cnn"/>'s architecture (as JSON) and its tensors (names and bytes) to <paramref name="hash"/>.</summary>
    public static void Append(IncrementalHash hash, SavedModel cnn)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(ModelFile.Header(cnn)["architecture"]!.ToJsonString() + "\n"));
        foreach (var (name, tensor) in cnn.Network.StateTensors)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name + "\n"));
            hash.AppendData(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
    }

    /// <summary>SHA-256 of <paramref name="cnn"/>'s architecture and tensors, lower-case hex.</summary>
    public static string Sha256(SavedModel cnn)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, cnn);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
