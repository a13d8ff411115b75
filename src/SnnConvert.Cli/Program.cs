using System.CommandLine;
using SnnConvert.Cli.Commands;

namespace SnnConvert.Cli;

/// <summary>Entry point of the <c>snnconvert</c> command.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("SnnConvert: train CNNs and convert them into spiking neural networks (integrate-and-fire, soft reset) with max-input-current threshold balancing.")
        {
            ModelsCommand.Create(),
            TrainCommand.Create(),
            EvalCommand.Create(),
            DataCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
