using System.Diagnostics;

namespace SnnConvert.Tests.Cli;

/// <summary>Runs the built CLI (SnnConvert.Cli.dll, copied beside the tests) as a child process.</summary>
internal static class CliProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "SnnConvert.Cli.dll");

    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DllPath);
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        return info;
    }

    /// <summary>Runs to completion (at most <paramref name="timeoutSeconds"/>) and returns exit code and output.</summary>
    public static (int ExitCode, string Out, string Err) Run(int timeoutSeconds, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"snnconvert {string.Join(" ", args)} ran over {timeoutSeconds} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Runs with <paramref name="environment"/> added (e.g. DOTNET_EnableAVX512=0), requires exit code 0 within
    /// <paramref name="timeoutSeconds"/>, and returns standard error, where the CLI logs its backend and CPU lines.
    /// </summary>
    public static string RunSucceeding(IReadOnlyDictionary<string, string> environment, int timeoutSeconds, params string[] args)
    {
        ProcessStartInfo info = StartInfo(args);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string err = process.StandardError.ReadToEnd();
        Xunit.Assert.True(process.WaitForExit(timeoutSeconds * 1000), $"snnconvert {string.Join(" ", args)} ran over {timeoutSeconds} s");
        Xunit.Assert.True(process.ExitCode == 0, $"snnconvert {string.Join(" ", args)} exited {process.ExitCode}: {err}");
        return err;
    }
}
