namespace SnnConvert.Data;

/// <summary>One downloadable file of a dataset and the checksum it must match.</summary>
/// <param name="FileName">Name on the mirror and in the cache folder, e.g. "t10k-images-idx3-ubyte.gz".</param>
/// <param name="Sha256">Expected SHA-256, lower-case hex, of the bytes that <paramref name="Scope"/> names.</param>
/// <param name="Scope">Whether the hash covers the decompressed content or the file as downloaded.</param>
public sealed record DatasetFile(string FileName, string Sha256, ChecksumScope Scope = ChecksumScope.DecompressedContent);
