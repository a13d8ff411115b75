using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// Downloads a dataset's files into the cache (<c>~/.cache/snnconvert/datasets/&lt;folder&gt;</c> by default).
/// Each file is written to "name.part", resumed with an HTTP Range request when a .part is left over, checked
/// against its SHA-256 (of the decompressed content for .gz files) and only then renamed to its final name,
/// so a file under its final name is always complete and verified.
/// </summary>
public sealed class DatasetDownloader
{
    private const int BufferSize = 1 << 16;
    // Progress is reported at most this often (in bytes), so a console renderer is not flooded.
    private const long ProgressStep = 1 << 20;

    private static readonly Lazy<HttpClient> SharedClient = new(() =>
    {
        var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("SnnConvert", "1.0"));
        return client;
    });

    private readonly HttpClient _http;

    /// <summary>Creates a downloader.</summary>
    /// <param name="httpClient">Client to use; null for a shared default client.</param>
    /// <param name="cacheRoot">Root of the download cache; null for <see cref="DatasetLocator.DefaultCacheRoot"/>.</param>
    public DatasetDownloader(HttpClient? httpClient = null, string? cacheRoot = null)
    {
        _http = httpClient ?? SharedClient.Value;
        CacheRoot = cacheRoot ?? DatasetLocator.DefaultCacheRoot();
    }

    /// <summary>The cache root that dataset folders are created in.</summary>
    public string CacheRoot { get; }

    /// <summary>How long a transfer may go without receiving a byte before the mirror counts as failed
    /// (the .part file is kept, so the next mirror or run resumes it).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The folder <paramref name="info"/>'s files are downloaded into.</summary>
    /// <param name="info">The dataset.</param>
    public string FolderFor(DatasetInfo info) => Path.Combine(CacheRoot, info.CacheFolder);

    /// <summary>Downloads every file of <paramref name="info"/> that is not already present and verified.</summary>
    /// <param name="info">The dataset; its <see cref="DatasetInfo.Mirrors"/> are tried in order for each file.</param>
    /// <param name="progress">Receives (file name, bytes so far, total bytes when known).</param>
    /// <param name="cancellationToken">Cancels the download; a .part file is kept for resuming.</param>
    /// <returns>The dataset folder.</returns>
    /// <exception cref="DownloadException">A file could not be downloaded from any mirror, or its checksum did not match.</exception>
    public async Task<string> FetchAsync(DatasetInfo info, IProgress<(string File, long Bytes, long? Total)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        string folder = FolderFor(info);
        Directory.CreateDirectory(folder);
        foreach (DatasetFile file in info.Files)
            await FetchFileAsync(info, file, folder, progress, cancellationToken).ConfigureAwait(false);
        return folder;
    }

    /// <summary>Downloads one file into <paramref name="folder"/> unless a verified copy is already there.</summary>
    /// <param name="info">The dataset, for its mirrors.</param>
    /// <param name="file">The file and its checksum.</param>
    /// <param name="folder">Destination folder (created if needed).</param>
    /// <param name="progress">Receives (file name, bytes so far, total bytes when known).</param>
    /// <param name="cancellationToken">Cancels the download; a .part file is kept for resuming.</param>
    /// <returns>The path of the verified file.</returns>
    /// <exception cref="DownloadException">Every mirror failed, or the content did not match the checksum.</exception>
    public async Task<string> FetchFileAsync(DatasetInfo info, DatasetFile file, string folder,
        IProgress<(string File, long Bytes, long? Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, file.FileName);
        string part = target + ".part";

        if (File.Exists(target) && Matches(ComputeSha256(target, file.Scope), file.Sha256))
        {
            long length = new FileInfo(target).Length;
            progress?.Report((file.FileName, length, length));
            return target;
        }

        if (info.Mirrors.Count == 0)
            throw new DownloadException($"{file.FileName}: mirrors: expected at least one base URL for {info.Name}, found none");

        var failures = new List<string>();
        foreach (string mirror in info.Mirrors)
        {
            Uri url = FileUrl(mirror, file.FileName);
            // A resumed .part may hold bytes from another mirror or an older run; if the result does not
            // verify, the same mirror gets one clean attempt from byte zero before it counts as failed.
            for (int attempt = 0; attempt < 2; attempt++)
            {
                bool resumed;
                try
                {
                    resumed = await DownloadToPartAsync(url, part, file.FileName, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransferFailure(ex, cancellationToken))
                {
                    failures.Add($"{url}: {ex.Message}");   // keep the .part: the next mirror can resume it
                    break;
                }

                string actual = ComputeSha256(part, file.Scope);
                if (Matches(actual, file.Sha256))
                {
                    File.Move(part, target, overwrite: true);   // atomic on one file system
                    return target;
                }

                File.Delete(part);
                if (resumed) continue;
                failures.Add($"{url}: checksum mismatch for {file.FileName}: expected sha256 {file.Sha256} ({Describe(file.Scope)}), found {actual}");
                break;
            }
        }

        throw new DownloadException(
            $"{file.FileName}: download failed from every mirror:" + Environment.NewLine +
            string.Join(Environment.NewLine, failures.Select(line => "  " + line)));
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of <paramref name="path"/>'s bytes, or of its decompressed content when
    /// <paramref name="scope"/> says so and the file really is gzip. Data that should be gzip but is not
    /// (e.g. an HTML error page) is hashed raw, so it simply fails to match.
    /// </summary>
    /// <param name="path">The file to hash.</param>
    /// <param name="scope">Which bytes the hash covers.</param>
    public static string ComputeSha256(string path, ChecksumScope scope)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        try
        {
            if (scope == ChecksumScope.DecompressedContent && GzipDetection.StartsWithGzipMagic(file))
            {
                using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
                return Convert.ToHexStringLower(SHA256.HashData(gzip));
            }
            return Convert.ToHexStringLower(SHA256.HashData(file));
        }
        catch (InvalidDataException ex)
        {
            return $"(no hash: corrupt gzip data: {ex.Message})";
        }
    }

    // Returns whether the bytes were appended to an existing .part (a resumed download).
    private async Task<bool> DownloadToPartAsync(Uri url, string part, string fileName,
        IProgress<(string File, long Bytes, long? Total)>? progress, CancellationToken cancellationToken)
    {
        long existing = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (existing > 0) request.Headers.Range = new RangeHeaderValue(existing, null);
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
            .ConfigureAwait(false);

        // 416: nothing lies beyond what we have, so the .part is presumably complete; verification decides.
        if (existing > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return true;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);

        // Only a 206 that starts exactly where the .part ends can be appended; a server that ignores Range
        // answers 200 with the whole file, and then the .part is rewritten from byte zero.
        bool append = existing > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        ContentRangeHeaderValue? range = response.Content.Headers.ContentRange;
        if (append && range?.From != existing)
            throw new IOException($"server answered a range starting at {range?.From?.ToString() ?? "?"}, expected {existing}");
        long? total = append ? range?.Length ?? existing + response.Content.Headers.ContentLength
                             : response.Content.Headers.ContentLength;

        long written = append ? existing : 0;
        progress?.Report((fileName, written, total));
        await using (var output = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize,
                         FileOptions.Asynchronous))
        await using (Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            byte[] buffer = new byte[BufferSize];
            long reported = written;
            // HttpClient.Timeout stops at the response headers; a body that stalls would otherwise hang forever.
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                stall.CancelAfter(StallTimeout);
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new IOException($"no data received for {StallTimeout.TotalSeconds:0.#} s after {written} bytes");
                }
                if (n == 0) break;
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                written += n;
                if (written - reported >= ProgressStep) { progress?.Report((fileName, written, total)); reported = written; }
            }
        }
        progress?.Report((fileName, written, total));
        if (total is long expected && written != expected)
            throw new IOException($"connection closed after {written} of {expected} bytes");
        return append;
    }

    // Network and file errors move on to the next mirror; a cancellation the caller asked for does not.
    private static bool IsTransferFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException ||
        (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);   // HttpClient timeout

    private static Uri FileUrl(string mirror, string fileName) =>
        new(new Uri(mirror.EndsWith('/') ? mirror : mirror + "/"), Uri.EscapeDataString(fileName));

    private static bool Matches(string actual, string expected) => string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);

    private static string Describe(ChecksumScope scope) =>
        scope == ChecksumScope.DecompressedContent ? "of the decompressed content" : "of the file";
}
