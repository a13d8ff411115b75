using System.IO.Compression;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Packaging;

/// <summary>
/// `dotnet pack` makes the library and tool packages from the build the tests run on (--no-build), and the tool installs
/// from that local folder with `dotnet tool install --tool-path` and runs as `snnconvert`.
/// </summary>
public sealed class PackagingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Packed_tool_installs_from_a_local_source_and_runs()
    {
        string packages = _dir.Sub("packages"), tools = _dir.Sub("tools");
        // The configuration the tests were built in (Release in CI), whose outputs the packages are made from.
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        foreach (string project in new[] { "src/SnnConvert/SnnConvert.csproj", "src/SnnConvert.Cli/SnnConvert.Cli.csproj" })
            Dotnet(300, "pack", RepositoryFiles.Path(project), "-c", configuration, "--no-build", "-o", packages);

        string library = Directory.GetFiles(packages, "SnnConvert.*.nupkg").Single(p => !Path.GetFileName(p).StartsWith("SnnConvert.Cli.", StringComparison.Ordinal) && p.EndsWith(".nupkg", StringComparison.Ordinal));
        using (var zip = ZipFile.OpenRead(library))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/SnnConvert.dll", entries);
            Assert.Contains("lib/net10.0/SnnConvert.xml", entries);   // XML docs for IntelliSense
            Assert.Contains("README.md", entries);
            using var nuspec = new StreamReader(zip.GetEntry("SnnConvert.nuspec")!.Open());
            string text = nuspec.ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", text);
            Assert.Contains("<readme>README.md</readme>", text);
            Assert.Contains("<repository type=\"git\"", text);
        }
        Assert.Single(Directory.GetFiles(packages, "SnnConvert.Cli.*.snupkg"));

        string version = Path.GetFileNameWithoutExtension(Directory.GetFiles(packages, "SnnConvert.Cli.*.nupkg").Single())["SnnConvert.Cli.".Length..];
        Dotnet(300, "tool", "install", "--tool-path", tools, "--add-source", packages, "SnnConvert.Cli", "--version", version);
        var (code, stdout, stderr) = ChildProcess.Run(Path.Combine(tools, OperatingSystem.IsWindows() ? "snnconvert.exe" : "snnconvert"), 120, "--help");
        Assert.True(code == 0, stderr);
        Assert.Contains("snnconvert [command] [options]", stdout);
        Assert.Contains("export", stdout);
    }

    private void Dotnet(int timeoutSeconds, params string[] args)
    {
        var (code, stdout, stderr) = ChildProcess.Run("dotnet", timeoutSeconds, args);
        output.WriteLine($"dotnet {string.Join(" ", args)}: exit {code}\n{stdout}{stderr}");
        Assert.True(code == 0, $"dotnet {string.Join(" ", args)} exited {code}:\n{stdout}{stderr}");
    }
}
