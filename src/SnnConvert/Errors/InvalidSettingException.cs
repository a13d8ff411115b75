namespace SnnConvert.Errors;

/// <summary>
/// A setting given to the library is out of range or unknown (exit code 2, category "usage" like a bad command-line
/// option). The message names the setting (one of <see cref="SettingNames"/>), never a command-line flag: the CLI
/// maps <see cref="Setting"/> to the flag that sets it.
/// </summary>
/// <param name="setting">The setting at fault, e.g. <see cref="SettingNames.CalibrationSamples"/>.</param>
/// <param name="problem">What was expected and what was found, without the setting's name.</param>
public sealed class InvalidSettingException(string setting, string problem) : SnnConvertException($"{setting}: {problem}")
{
    /// <summary>The setting at fault, e.g. "calibration samples".</summary>
    public string Setting { get; } = setting;

    /// <summary>What was expected and what was found, without the setting's name.</summary>
    public string Problem { get; } = problem;

    /// <inheritdoc/>
    public override int ExitCode => 2;
    /// <inheritdoc/>
    public override string Category => "usage";
}
