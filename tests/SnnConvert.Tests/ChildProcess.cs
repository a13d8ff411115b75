using System.Diagnostics;

namespace SnnConvert.Tests;

/// <summary>Runs a program to completion with its output captured (python, dotnet pack, an installed tool, a sample).</summary>
internal static class ChildProcess
{
    /// <summary>Exit code and output of <paramref name="program"/>; throws <see cref="TimeoutException"/> after <paramref name="timeoutSeconds"/>.</summary>
    public static (int Code, string Out, string Err) Run(string program, int timeoutSeconds, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(" ", args)} ran over {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
