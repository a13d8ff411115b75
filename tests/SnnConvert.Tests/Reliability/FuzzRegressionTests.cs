using SnnConvert.Fuzz;
using Xunit;

namespace SnnConvert.Tests.Reliability;

/// <summary>
/// Every input that made a fuzz harness crash (tests/fixtures/fuzz/TARGET/, see docs/reliability.md), and every
/// seed of fuzz/corpus, run through the same target code as afl-fuzz: each must give a value or our own exception,
/// within the allocation bound.
/// </summary>
public sealed class FuzzRegressionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Points the targets' scratch files into a fresh folder.</summary>
    public FuzzRegressionTests() => FuzzTargets.Scratch = _temp.Path;

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static TheoryData<string, string> Inputs(string root)
    {
        var data = new TheoryData<string, string>();
        foreach (string folder in Directory.GetDirectories(RepositoryFiles.Path(root)).Order())
            foreach (string file in Directory.GetFiles(folder).Order())
                data.Add(Path.GetFileName(folder), Path.GetRelativePath(RepositoryFiles.Path(root), file));
        return data;
    }

    /// <summary>(target, file) for each saved crash.</summary>
    public static TheoryData<string, string> Crashes() => Inputs("tests/fixtures/fuzz");

    /// <summary>(target, file) for each seed.</summary>
    public static TheoryData<string, string> Seeds() => Inputs("fuzz/corpus");

    [Theory]
    [MemberData(nameof(Crashes))]
    public void An_input_that_once_crashed_a_harness_now_gives_a_value_or_our_exception(string target, string file) =>
        FuzzTargets.Checked(FuzzTargets.All[target], File.ReadAllBytes(Path.Combine(RepositoryFiles.Path("tests/fixtures/fuzz"), file)));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_seed_passes_its_target(string target, string file) =>
        FuzzTargets.Checked(FuzzTargets.All[target], File.ReadAllBytes(Path.Combine(RepositoryFiles.Path("fuzz/corpus"), file)));

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (string target in FuzzTargets.All.Keys)
            Assert.NotEmpty(Directory.GetFiles(RepositoryFiles.Path(Path.Combine("fuzz/corpus", target))));
    }
}
