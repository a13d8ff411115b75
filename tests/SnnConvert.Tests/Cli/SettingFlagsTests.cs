using System.Reflection;
using SnnConvert.Cli;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Tests.Reliability;
using Xunit;

namespace SnnConvert.Tests.Cli;

/// <summary>The library names its settings; the CLI shows the flag that sets each one.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SettingFlagsTests
{
    // Settings no flag sets: a dataset is named by --dataset or an argument, a split and a bundled model by the command.
    private static readonly string[] Flagless = [SettingNames.Dataset, SettingNames.Split, SettingNames.Model];

    [Fact]
    public void A_library_setting_error_reaches_the_user_under_its_flag_with_the_usage_exit_code()
    {
        var (code, err) = CliInProcess.RunBody(() => ThresholdMethods.Create("max-current", 101));

        Assert.Equal(2, code);
        Assert.Contains("error (usage): --percentile: must be in (0, 100], got 101", err);
    }

    [Fact]
    public void A_setting_no_flag_sets_keeps_the_library_name()
    {
        var (code, err) = CliInProcess.RunBody(() => DatasetCatalog.Find("imagenet"));

        Assert.Equal(2, code);
        Assert.Contains("error (usage): dataset: expected one of", err);
    }

    [Fact]
    public void Every_setting_name_but_the_flagless_ones_has_a_flag()
    {
        var names = typeof(SettingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();

        Assert.All(names.Except(Flagless), name => Assert.StartsWith("--", SettingFlags.FlagOf(name)));
        Assert.All(Flagless, name => Assert.Equal(name, SettingFlags.FlagOf(name)));
    }
}
