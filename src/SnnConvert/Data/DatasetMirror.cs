using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// A mirror the user names (<c>SNNCONVERT_MIRROR=URL</c>), tried before a dataset's built-in mirrors. It is laid out
/// like the download cache: <c>URL/&lt;cache folder&gt;/&lt;file&gt;</c>, e.g. <c>URL/mnist/train-images-idx3-ubyte.gz</c>
/// and <c>URL/cifar10/cifar-10-binary.tar.gz</c>, so a folder copied from <c>~/.cache/snnconvert/datasets</c> can be
/// served as it is. A mirror that serves other bytes than the originals (a rebuilt archive, say) can come with a
/// checksum list (<c>SNNCONVERT_MIRROR_SHA256=FILE</c>, in <c>sha256sum</c> format, paths relative to the mirror);
/// a listed file is then verified against that list's SHA-256 of its bytes instead of the catalogue's hash, and
/// is fetched from this mirror only, because the built-in mirrors serve the original bytes.
/// </summary>
public static class DatasetMirror
{
    /// <summary>Environment variable naming a mirror URL tried first.</summary>
    public const string MirrorVariable = "SNNCONVERT_MIRROR";

    /// <summary>Environment variable naming a <c>sha256sum</c>-format list of the mirror's own checksums.</summary>
    public const string ChecksumsVariable = "SNNCONVERT_MIRROR_SHA256";

    /// <summary><paramref name="info"/> with the mirror of this process's environment applied (unchanged when none is set).</summary>
    /// <param name="info">A dataset.</param>
    /// <exception cref="InvalidSettingException">The variables are inconsistent, or the checksum list is malformed.</exception>
    public static DatasetInfo FromEnvironment(DatasetInfo info) =>
        Apply(info, Environment.GetEnvironmentVariable(MirrorVariable), Environment.GetEnvironmentVariable(ChecksumsVariable));

    /// <summary>
    /// <paramref name="info"/> with <paramref name="mirror"/> tried first and, where <paramref name="checksumFile"/>
    /// lists one of its files, that file verified against the listed hash and fetched from <paramref name="mirror"/> only.
    /// </summary>
    /// <param name="info">A dataset.</param>
    /// <param name="mirror">Base URL laid out like the download cache, or null/empty for none.</param>
    /// <param name="checksumFile">A <c>sha256sum</c>-format list (paths relative to <paramref name="mirror"/>), or null/empty.</param>
    /// <exception cref="InvalidSettingException">A checksum list without a mirror, a mirror that is not an http(s) URL, or a malformed list.</exception>
    public static DatasetInfo Apply(DatasetInfo info, string? mirror, string? checksumFile)
    {
        bool hasMirror = !string.IsNullOrWhiteSpace(mirror), hasChecksums = !string.IsNullOrWhiteSpace(checksumFile);
        if (!hasMirror)
        {
            if (hasChecksums)
                throw new InvalidSettingException(ChecksumsVariable, $"set to {checksumFile}, so expected {MirrorVariable} to name the mirror it describes, found it unset");
            return info;
        }
        if (!Uri.TryCreate(mirror!.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new InvalidSettingException(MirrorVariable, $"expected an http:// or https:// URL, found '{mirror}'");
        string folderUrl = uri.AbsoluteUri.TrimEnd('/') + "/" + info.CacheFolder + "/";
        Dictionary<string, string> overrides = hasChecksums ? ReadChecksums(checksumFile!) : [];

        var files = info.Files.Select(file =>
            overrides.TryGetValue(info.CacheFolder + "/" + file.FileName, out string? sha) ? file with { Sha256 = sha, Scope = ChecksumScope.FileBytes } : file).ToList();
        bool overridden = files.Where((file, i) => !ReferenceEquals(file, info.Files[i])).Any();
        return info with { Files = files, Mirrors = overridden ? [folderUrl] : [folderUrl, .. info.Mirrors] };
    }

    // "HEX  path" or "HEX *path" per line (sha256sum's text and binary forms); blank lines and # comments are skipped.
    private static Dictionary<string, string> ReadChecksums(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException(ChecksumsVariable, $"{path}: cannot read the checksum list: {e.Message}");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int space = line.IndexOf(' ');
            string hash = space < 0 ? line : line[..space];
            string name = space < 0 ? "" : line[(space + 1)..].TrimStart(' ', '*');
            if (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit) || name.Length == 0)
                throw new InvalidSettingException(ChecksumsVariable, $"{path}: line {i + 1}: expected '<64 hex digits>  <path relative to the mirror>', found '{lines[i]}'");
            result[name] = hash.ToLowerInvariant();
        }
        return result;
    }
}
