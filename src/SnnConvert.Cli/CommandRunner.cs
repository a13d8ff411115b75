using SnnConvert.Errors;

namespace SnnConvert.Cli;

/// <summary>Runs a command body and maps failures to exit codes: our error categories keep their own code (see README), anything else is 1.</summary>
public static class CommandRunner
{
    /// <summary>Exit code for an unexpected internal error.</summary>
    public const int InternalErrorCode = 1;

    /// <summary>Runs <paramref name="body"/>, printing "error: ..." to standard error on failure.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (SnnConvertException e)
        {
            Console.Error.WriteLine($"error ({e.Category}): {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return InternalErrorCode;
        }
    }
}
