using System.Text.RegularExpressions;

namespace SnnConvert.Errors;

/// <summary>
/// A setting named inside a message or warning (advice such as "convert with [max-pool handling = average]"), in a
/// form a front end can find and rewrite: the setting's name (one of <see cref="SettingNames"/>) in square brackets,
/// with its value after " = " when the advice gives one. The library never writes a command-line flag; the CLI
/// rewrites each reference to the flag that sets it ("--maxpool average").
/// </summary>
public static partial class SettingReference
{
    /// <summary>A reference to <paramref name="setting"/>, e.g. "[input rescaling]".</summary>
    public static string To(string setting) => $"[{setting}]";

    /// <summary>A reference to <paramref name="setting"/> with <paramref name="value"/>, e.g. "[max-pool handling = gate]".</summary>
    public static string To(string setting, string value) => $"[{setting} = {value}]";

    /// <summary>
    /// <paramref name="text"/> with each reference to a setting replaced by <paramref name="render"/>(setting, value or
    /// null); references to names that are not settings stay as they are.
    /// </summary>
    public static string Rewrite(string text, Func<string, string?, string> render) =>
        Reference().Replace(text, m => Known.Contains(m.Groups["setting"].Value)
            ? render(m.Groups["setting"].Value, m.Groups["value"].Success ? m.Groups["value"].Value : null)
            : m.Value);

    private static readonly HashSet<string> Known = typeof(SettingNames).GetFields()
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

    [GeneratedRegex(@"\[(?<setting>[a-z][a-z -]*?)(?: = (?<value>[^\]]+))?\]")]
    private static partial Regex Reference();
}
