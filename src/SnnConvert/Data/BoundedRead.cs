namespace SnnConvert.Data;

/// <summary>
/// Reads a payload whose length a header claims, without trusting that claim for allocation. A stream
/// (e.g. a gzip stream) does not know its own length, so the buffer grows by doubling as data really
/// arrives: a lying header in a small file costs at most a small first buffer, never gigabytes.
/// </summary>
internal static class BoundedRead
{
    // Start small; a real MNIST train image file (47 MB) reaches its size in about six doublings.
    private const int FirstChunk = 1 << 20;

    /// <summary>
    /// Reads up to <paramref name="expected"/> bytes, then counts (and discards) whatever follows.
    /// <see cref="Result.Found"/> is the total length the stream really had, so the caller can report
    /// "truncated" (Found &lt; expected) and "trailing bytes" (Found &gt; expected) with real numbers.
    /// When Found equals expected, <see cref="Result.Data"/> holds exactly the payload.
    /// </summary>
    internal static Result ReadPayload(Stream stream, long expected)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expected);
        // The payload must also fit one array; a longer claim can only be checked by counting.
        long cap = Math.Min(expected, Array.MaxLength);
        byte[] buffer = new byte[(int)Math.Min(cap, FirstChunk)];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length == cap) break;
                Array.Resize(ref buffer, (int)Math.Min(cap, (long)buffer.Length * 2));
            }
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) return new Result(filled == buffer.Length ? buffer : buffer[..filled], filled);
            filled += n;
        }

        // The claimed payload is complete; anything after it is trailing data (or, for a claim over
        // Array.MaxLength, the rest of a real but unsupported payload). Count it for the message.
        long extra = 0;
        byte[] sink = new byte[81920];
        int read;
        while ((read = stream.Read(sink, 0, sink.Length)) > 0) extra += read;
        return new Result(buffer, filled + extra);
    }

    /// <summary>The bytes read (at most the expected length) and the stream's real total length.</summary>
    internal readonly record struct Result(byte[] Data, long Found);
}
