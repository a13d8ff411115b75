using System.Reflection;
using SnnConvert.Cli;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tests.Conversion;
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
    public void A_library_error_that_names_a_setting_in_its_advice_reaches_the_user_with_the_flag()
    {
        SavedModel model = SnnTemplateBuilderTests.Model([new Conv2dSpec(1, 2, 3), new ReluSpec(), new MaxPool2dSpec(2), new FlattenSpec(), new LinearSpec(18, 3)], [1, 8, 8]);

        var (code, err) = CliInProcess.RunBody(() => SnnConverter.Convert(model, new ConversionOptions(), RandomImages(model, 2)));

        Assert.Equal(8, code);
        Assert.Contains("convert with --maxpool gate (spiking max pooling", err);
        Assert.Contains("or --maxpool average (average pooling instead", err);
        Assert.DoesNotContain("[max-pool handling", err);
    }

    [Fact]
    public void Rewriting_replaces_only_references_to_settings()
    {
        string text = $"use {SettingReference.To(SettingNames.MaxPoolHandling, "gate")} or {SettingReference.To(SettingNames.AsWritten)}; " +
            $"{SettingReference.To(SettingNames.Dataset)} stays a word; [not a setting] and [x = 1] stay as written";

        Assert.Equal("use --maxpool gate or --as-written; dataset stays a word; [not a setting] and [x = 1] stay as written", SettingFlags.InText(text));
    }

    private static ImageDataset RandomImages(SavedModel model, int count)
    {
        int[] shape = model.Network.InputShape;
        var pixels = new byte[count * shape[0] * shape[1] * shape[2]];
        new Random(5).NextBytes(pixels);
        return new ImageDataset("noise", pixels, new byte[count], shape[0], shape[1], shape[2], model.ClassNames.ToArray());
    }

    [Fact]
    public void Every_setting_name_but_the_flagless_ones_has_a_flag()
    {
        var names = typeof(SettingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();

        Assert.All(names.Except(Flagless), name => Assert.StartsWith("--", SettingFlags.FlagOf(name)));
        Assert.All(Flagless, name => Assert.Equal(name, SettingFlags.FlagOf(name)));
    }
}
