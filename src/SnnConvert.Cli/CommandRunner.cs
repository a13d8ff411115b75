using SnnConvert.Errors;

namespace SnnConvert.Cli;

/// <summary>
/// Runs a command body and maps failures to exit codes: our error categories keep their own code (see README and
/// docs/reliability.md); a file-system failure gives 11 and any other exception 1. No exception escapes to the runtime.
/// </summary>
public static class CommandRunner
{
    /// <summary>Exit code for an unexpected internal error.</summary>
    public const int InternalErrorCode = 1;

    /// <summary>Exit code for a file-system failure outside our formats (disk full, no permission, a folder in the way).</summary>
    public const int IoErrorCode = 11;

    /// <summary>Runs <paramref name="body"/>, printing "error: ..." to standard error on failure.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (SnnConvertException caught)
        {
            // The library names its settings; the user typed flags.
            SnnConvertException e = caught is InvalidSettingException setting ? SettingFlags.ToUsage(setting) : caught;
            Console.Error.WriteLine($"error ({e.Category}): {SettingFlags.InText(e.Message)}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file system refused (disk full, no permission, a folder where a file should go): not a bug of ours.
            Console.Error.WriteLine($"error (io): {e.Message}");
            return IoErrorCode;
        }
        catch (Exception e)
        {
            // Anything else is a bug: say so, with the type and where, instead of letting the runtime abort the process.
            Console.Error.WriteLine($"error (internal): {e.GetType().Name}: {SettingFlags.InText(e.Message)} (please report this, with the command line)");
            Console.Error.WriteLine(e.StackTrace);
            return InternalErrorCode;
        }
    }
}
