using SnnConvert.Benchmarks;
using SnnConvert.Tensors;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>
/// Console output: results go to standard output; progress bars and log lines go to standard error,
/// so that <c>snnconvert eval ... &gt; result.txt</c> captures only results.
/// </summary>
public static class Terminal
{
    /// <summary>Spectre console writing to standard error (progress, tables of logs).</summary>
    public static IAnsiConsole Error { get; } = CreateError();

    /// <summary>Spectre console writing to standard output (results, tables).</summary>
    public static IAnsiConsole Out => AnsiConsole.Console;

    // Redirected, Spectre assumes 80 columns and wraps long log lines (paths, hashes) in two; in a log file a message
    // should stay on one line, so that grep finds it whole.
    private static IAnsiConsole CreateError()
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsErrorRedirected) console.Profile.Width = 4096;
        return console;
    }

    /// <summary>Writes a log line to standard error.</summary>
    public static void Log(string message) => Error.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    /// <summary>Logs the active matrix-product backend and the CPU with the vector width in use (once per command that
    /// computes): speed depends on both, and a run under DOTNET_EnableAVX512=0 says so here.</summary>
    public static void LogBackend()
    {
        Log(Blas.Description);
        // OpenBLAS's kernel choice changes the order of a GEMM's additions, so results differ in the last bits from a run
        // where it detected the CPU itself (docs/benchmarks.md): say so when the environment forces it.
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } core && Blas.Gemm is not ManagedGemm)
            Log($"OPENBLAS_CORETYPE={core} forces OpenBLAS's {core} kernels: results may differ in the last bits from runs where OpenBLAS detects the CPU (unset it to compare with committed results)");
        Log(MachineDescription.Current().Summary());
    }

    /// <summary>A progress display: bars on a terminal; when standard error is redirected (a file, CI), plain lines,
    /// at most one per task per 10 % or per 10 s.</summary>
    public static TerminalProgress Progress() => new(Console.IsErrorRedirected ? new ProgressLineWriter(Console.Error) : null);
}
