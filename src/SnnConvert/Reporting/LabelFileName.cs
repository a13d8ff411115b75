using System.Text;

namespace SnnConvert.Reporting;

/// <summary>
/// A row label ("max-current p99.9", "low-latency T=8") as a file name stem: ASCII letters, digits, '-' and '.' stay,
/// every other character becomes '_', so that labels map to the same names on every file system.
/// </summary>
public static class LabelFileName
{
    /// <summary>The file name stem of <paramref name="label"/> (without extension).</summary>
    public static string Stem(string label)
    {
        var name = new StringBuilder(label.Length);
        foreach (char c in label) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return name.ToString();
    }
}
