using System.Text.Json.Nodes;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>
/// The rows of a reproduction with conversion settings of their own (a target latency, post-calibration): which rows,
/// how their settings combine with the run's, that each is calibrated with its own and the others are not, and that
/// the fingerprints of rows without them are as before.
/// </summary>
public sealed class LowLatencyRowsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Build_adds_the_threshold_search_and_the_preset_for_each_target_latency_once_in_ascending_order()
    {
        var rows = MethodVariant.Build(["max-current", "percentile"], variants: true, bothSeedForms: true, lowLatency: [8, 4, 8]);

        Assert.Equal(["max-current", MethodVariant.AsWrittenLabel, "percentile", MethodVariant.Percentile999Label,
            "max-current target-T 4", "low-latency T=4", "max-current target-T 8", "low-latency T=8"], rows.Select(r => r.Label));
        Assert.All(rows.Take(4), r => Assert.False(r.HasOwnConversion));
        Assert.Equal((int?)4, rows[4].TargetSteps);
        Assert.Equal(PostCalibration.None, rows[4].PostCalibration);
        Assert.Equal((int?)8, rows[7].TargetSteps);
        Assert.Equal(PostCalibration.Bias | PostCalibration.Membrane, rows[7].PostCalibration);
        Assert.Equal("target-T 8, calibrate bias, membrane", rows[7].OwnConversion);
        Assert.Equal("", rows[0].OwnConversion);
        // The preset is the default max-current (synapses scaled by the thresholds), as convert --low-latency.
        Assert.Equal(new MaxCurrentThresholds(), rows[7].Method);
        Assert.Equal(7, MethodVariant.Build(["max-current"], variants: false, lowLatency: [2, 4, 8]).Count);
        Assert.Single(MethodVariant.Build(["max-current"], variants: false, lowLatency: []));
    }

    [Fact]
    public void A_row_s_target_replaces_the_run_s_and_its_corrections_add_to_the_run_s()
    {
        var shared = new ConversionOptions { CalibrationSteps = 16, TargetSteps = 32, PostCalibration = PostCalibration.Bias, Seed = 5 };
        var method = new PercentileThresholds();

        ConversionOptions plain = new MethodVariant("p", method).Apply(shared);
        ConversionOptions own = new MethodVariant("q", method, 4, PostCalibration.Membrane).Apply(shared);

        Assert.Equal(shared with { Method = method }, plain);
        Assert.Equal(shared with { Method = method, TargetSteps = 4, PostCalibration = PostCalibration.Bias | PostCalibration.Membrane }, own);
    }

    [Theory]
    [InlineData("mnist", new[] { 2, 4, 8 })]
    [InlineData("fmnist", new[] { 8, 16, 32 })]
    [InlineData("CIFAR10", new[] { 16, 32, 64 })]
    [InlineData("other", new[] { 4, 8, 16 })]
    public void Each_dataset_has_default_target_latencies(string dataset, int[] expected) =>
        Assert.Equal(expected, LowLatencyRows.DefaultSteps(dataset));

    [Fact]
    public void A_target_latency_below_one_is_a_setting_error()
    {
        var e = Assert.Throws<InvalidSettingException>(() => LowLatencyRows.Build([4, 0]));
        Assert.Equal(SettingNames.LowLatencyRows, e.Setting);
        Assert.Contains("got 0", e.Message);
    }

    [Fact]
    public void Each_row_is_calibrated_with_its_own_settings_and_the_preset_row_equals_a_direct_low_latency_conversion()
    {
        SavedModel cnn = ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm"));
        ImageDataset train = DatasetLoader.Load("mnist", "train", null);
        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false, lowLatency: [4]), [1, 4],
            CalibrationSamples: 100, CalibrationSteps: 8);
        string folder = _temp.Sub("conv");

        ConversionsManifest manifest = ConversionsFolder.Write(folder, cnn, "mnist", train, options);
        SpikingNetwork Load(string label) => SnnFile.Load(Path.Combine(folder, manifest.Methods.Single(m => m.Label == label).File));
        SpikingNetwork plain = Load("max-current"), search = Load("max-current target-T 4"), preset = Load("low-latency T=4");

        // What each .snn records of how it was made.
        Assert.Null(plain.Conversion.TargetSteps);
        Assert.Null(plain.Conversion.PostCalibration);
        Assert.Equal(4, search.Conversion.TargetSteps);
        Assert.False(search.Conversion.TargetRounding);   // neurons start at 0: the error of the floor
        Assert.Null(search.Conversion.PostCalibration);
        Assert.Equal(4, preset.Conversion.TargetSteps);
        Assert.True(preset.Conversion.TargetRounding);    // membrane calibration starts them near theta/2: the error of rounding
        Assert.Equal("bias,membrane", preset.Conversion.PostCalibration!.Steps);
        Assert.Equal(4, preset.Conversion.PostCalibration.TargetSteps);

        // The row is the conversion `convert --low-latency 4` makes from the same images: thresholds, biases and initial
        // membranes to the bit.
        var direct = SnnConverter.Convert(cnn, new ConversionOptions
        {
            CalibrationSamples = 100, CalibrationSteps = 8, TargetSteps = 4, PostCalibration = PostCalibration.Bias | PostCalibration.Membrane,
        }, train).Network;
        var rowLayers = preset.Layers.OfType<SynapticLayer>().ToArray();
        var directLayers = direct.Layers.OfType<SynapticLayer>().ToArray();
        Assert.Equal(directLayers.Length, rowLayers.Length);
        for (int i = 0; i < rowLayers.Length; i++)
        {
            Assert.Equal(directLayers[i].Thresholds, rowLayers[i].Thresholds);
            Assert.Equal(directLayers[i].Bias, rowLayers[i].Bias);
            Assert.Equal(directLayers[i].InitialPotential, rowLayers[i].InitialPotential);
        }
        Assert.NotEqual(plain.Layers.OfType<SynapticLayer>().First().Thresholds, rowLayers[0].Thresholds);

        // A row without settings of its own is written to the manifest as before such rows existed; the others say theirs.
        string Invariant(IThresholdMethod m) => m.ToString() ?? "";   // the method has no fractional setting: the same in every culture
        Assert.Equal(Invariant(new MaxCurrentThresholds()), manifest.Methods[0].Method);
        Assert.Equal(Invariant(new MaxCurrentThresholds()) + " + target-T 4, calibrate bias, membrane", manifest.Methods[2].Method);
        Assert.StartsWith($"max-current = {Invariant(new MaxCurrentThresholds())}; max-current target-T 4 = ", manifest.Fingerprint["methods"]);
        JsonNode saved = JsonNode.Parse(SnnFile.Load(Path.Combine(folder, manifest.Methods[2].File)).Conversion.ToJson().ToJsonString())!;
        Assert.Equal(4, saved["targetSteps"]!.GetValue<int>());
        Assert.Equal("bias,membrane", saved["postCalibration"]!["steps"]!.GetValue<string>());

        // A folder is loaded row by row: a run whose row asks for another target does not find its conversion.
        var other = options with { Methods = MethodVariant.Build(["max-current"], variants: false, lowLatency: [8]) };
        Assert.Throws<ShardMismatchException>(() => ConversionsFolder.Open(folder, cnn, "mnist", train.Count, other));
        Assert.Equal(4, ConversionsFolder.Open(folder, cnn, "mnist", train.Count, options).Load(options.Methods[2]).Snn.Conversion.TargetSteps);
    }
}
