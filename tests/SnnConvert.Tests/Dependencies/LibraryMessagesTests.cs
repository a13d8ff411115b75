using System.Text.RegularExpressions;
using Xunit;

namespace SnnConvert.Tests.Dependencies;

/// <summary>The library speaks of its settings, not of the CLI's flags (the CLI rewrites SettingReference to flags).</summary>
public class LibraryMessagesTests
{
    // A flag inside a string literal: a quote, then anything but a quote, then "--" and a letter.
    private static readonly Regex FlagInString = new("\"[^\"]*--[a-z]", RegexOptions.Compiled);

    [Fact]
    public void No_string_in_the_library_names_a_command_line_flag()
    {
        string root = RepositoryFiles.Path("src/SnnConvert");
        var offenders = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal)) continue;
            string[] lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                string code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;   // comments and XML docs may cite the CLI
                int comment = code.IndexOf(" // ", StringComparison.Ordinal);
                if (comment >= 0) code = code[..comment];
                if (FlagInString.IsMatch(code)) offenders.Add($"{relative}:{i + 1}: {code.Trim()}");
            }
        }
        Assert.True(offenders.Count == 0, "library strings that name CLI flags (use SettingReference.To(SettingNames.X)):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_check_finds_a_flag_in_a_message_and_not_a_markdown_rule()
    {
        Assert.Matches(FlagInString, "throw new X($\"convert with --maxpool average\");");
        Assert.DoesNotMatch(FlagInString, "sb.Append(\"|---|---|\");");
    }
}
