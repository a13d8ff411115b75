using System.CommandLine;
using System.CommandLine.Help;
using SnnConvert.Cli.Commands;

namespace SnnConvert.Cli;

/// <summary>Entry point of the <c>snnconvert</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        // A plain Command named "snnconvert" rather than RootCommand, whose name would be the assembly's (SnnConvert.Cli).
        var root = new Command("snnconvert", "SnnConvert: train CNNs and convert them into spiking neural networks (integrate-and-fire, soft reset) with max-input-current threshold balancing.")
        {
            new HelpOption { Recursive = true },
            new VersionOption(),
            ModelsCommand.Create(),
            TrainCommand.Create(),
            EvalCommand.Create(),
            ConvertCommand.Create(),
            SimulateCommand.Create(),
            CompareCommand.Create(),
            ReproduceCommand.Create(),
            MergeCommand.Create(),
            ReportCommand.Create(),
            ExportCommand.Create(),
            DataCommand.Create(),
            BenchCommand.Create(),
        };
        ParseResult parsed = root.Parse(args);
        bool helpOrVersion = parsed.Action is HelpAction || args.Contains("--version");
        if (parsed.Errors.Count > 0 && !helpOrVersion)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error (usage): {error.Message}");
            Console.Error.WriteLine("Run `snnconvert --help` or `snnconvert <command> --help` for usage.");
            return new UsageException("").ExitCode;
        }
        int code = parsed.Invoke();
        if (Environment.GetEnvironmentVariable(PeakMemoryVariable) == "1") ReportPeakMemory();
        return code;
    }

    /// <summary>Set to 1, the process reports its peak memory on standard error when it ends (docs/reliability.md).</summary>
    public const string PeakMemoryVariable = "SNNCONVERT_PEAK_MEMORY";

    // One line a script or test can parse: the peak resident set (VmHWM on Linux) and all bytes the GC ever allocated.
    private static void ReportPeakMemory()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        Console.Error.WriteLine($"peak memory: working set {self.PeakWorkingSet64 >> 20} MiB, allocated {GC.GetTotalAllocatedBytes() >> 20} MiB in total");
    }
}
