using SnnConvert.Cli;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Tests that run <see cref="Program.Main"/> in this process and read what it writes to standard error. The console
/// is global, so they form one collection that xunit runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "console (not parallel)";
}

/// <summary>Runs the CLI's Main in-process: the same code path and exit code as the process, without a runtime start per case.</summary>
internal static class CliInProcess
{
    private static readonly object Gate = new();

    /// <summary>Runs <c>snnconvert ARGS</c>; returns its exit code and what it wrote to standard error.</summary>
    public static (int ExitCode, string Err) Run(params string[] args) => Capture(() => Program.Main(args));

    /// <summary>Runs <paramref name="body"/> the way every command runs its work: through <see cref="CommandRunner.Run"/>.</summary>
    public static (int ExitCode, string Err) RunBody(Action body) => Capture(() => CommandRunner.Run(() => { body(); return 0; }));

    private static (int ExitCode, string Err) Capture(Func<int> run)
    {
        lock (Gate)
        {
            TextWriter error = Console.Error, output = Console.Out;
            var captured = new StringWriter();
            Console.SetError(captured);
            Console.SetOut(TextWriter.Null);
            try
            {
                int code = run();
                return (code, captured.ToString());
            }
            finally
            {
                Console.SetError(error);
                Console.SetOut(output);
            }
        }
    }
}
