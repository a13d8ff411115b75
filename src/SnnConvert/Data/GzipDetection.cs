namespace SnnConvert.Data;

/// <summary>
/// Tells gzip data from raw data by its magic bytes. The extension is not trusted: users gunzip files
/// and keep the name, or download a raw file under a .gz name, and both should still load.
/// </summary>
internal static class GzipDetection
{
    /// <summary>The two bytes every gzip member starts with (RFC 1952).</summary>
    internal const byte Magic1 = 0x1f, Magic2 = 0x8b;

    /// <summary>Whether a seekable stream starts with the gzip magic; the position is restored.</summary>
    internal static bool StartsWithGzipMagic(Stream stream)
    {
        long start = stream.Position;
        Span<byte> head = stackalloc byte[2];
        int n = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        stream.Position = start;
        return n == 2 && head[0] == Magic1 && head[1] == Magic2;
    }
}
