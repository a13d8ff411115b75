namespace SnnConvert.Data;

/// <summary>Which bytes a <see cref="DatasetFile.Sha256"/> covers.</summary>
public enum ChecksumScope
{
    /// <summary>
    /// The decompressed content of a .gz file. Preferred: mirrors recompress files (different gzip
    /// headers, levels or timestamps), which changes the .gz bytes but never the content.
    /// </summary>
    DecompressedContent,
    /// <summary>The file's bytes exactly as downloaded; used where only an archive checksum is known.</summary>
    FileBytes,
}
