using System.Text.RegularExpressions;
using SnnConvert.Nir;
using SnnConvert.Snn;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Docs;

/// <summary>The example in docs/api.md is samples/ApiExample/Program.cs (built with the solution), and it runs.</summary>
public sealed partial class ApiExampleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_doc_shows_the_example_program_verbatim()
    {
        string doc = File.ReadAllText(RepositoryFiles.Path("docs/api.md"));
        Match block = CsharpBlock().Match(doc);
        Assert.True(block.Success, "docs/api.md has no ```csharp block");
        string program = File.ReadAllText(RepositoryFiles.Path("samples/ApiExample/Program.cs"));
        Assert.Equal(Normalize(program), Normalize(block.Groups[1].Value));
    }

    [Fact]
    public void The_example_converts_simulates_and_writes_the_snn_and_nir_files()
    {
        // MNIST is in CI's shared/datasets, and the model is part of the repository: no silent skip.
        string dll = Path.Combine(AppContext.BaseDirectory, "ApiExample.dll");
        var (code, stdout, stderr) = ChildProcess.Run("dotnet", 300, dll, RepositoryFiles.Path("models/mnist-seed.snnm"), _dir.Path);
        output.WriteLine(stdout + stderr);
        Assert.True(code == 0, $"exit {code}: {stderr}");

        Match line = AccuracyAt64().Match(stdout);
        Assert.True(line.Success, "no accuracy line for T = 64 in: " + stdout);
        double accuracy = double.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(accuracy >= 90, $"accuracy at T = 64 is {accuracy} %");
        SpikingNetwork snn = SnnFile.Load(_dir.File("mnist-seed.snn"));
        Assert.Equal("max-current", snn.Conversion.Method);
        Assert.Equal(snn.Layers.Count, NirImporter.Load(_dir.File("mnist-seed.nir")).Layers.Count);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").Trim();

    [GeneratedRegex(@"```csharp\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex CsharpBlock();

    [GeneratedRegex(@"T = 64: accuracy ([0-9.]+) %")]
    private static partial Regex AccuracyAt64();
}
