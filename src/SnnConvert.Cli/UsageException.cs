using SnnConvert.Errors;

namespace SnnConvert.Cli;

/// <summary>
/// Invalid command-line arguments or option values (exit code 2). The CLI's own error: the library reports a bad
/// setting as <see cref="InvalidSettingException"/>, which the CLI turns into this one naming the flag.
/// </summary>
public sealed class UsageException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 2;
    /// <inheritdoc/>
    public override string Category => "usage";
}
