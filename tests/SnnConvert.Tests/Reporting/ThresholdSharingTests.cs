using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Reporting;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Reporting;

/// <summary>
/// Rows of a reproduction that share thresholds (<see cref="RowCalibrator"/>): a row differing from an earlier one only
/// by post-calibration, with the same latency target, post-calibrates that row's balanced network, and its network is,
/// to the byte, the one it calibrates alone.
/// </summary>
public sealed class ThresholdSharingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    private static readonly NeuronModel Half = new(Initial: InitialMembrane.HalfThreshold);

    private static (SavedModel Cnn, ImageDataset Calibration) Mnist()
    {
        ImageDataset train = DatasetLoader.Load("mnist", "train", null);
        return (ModelFile.Load(RepositoryFiles.Path("models/mnist-seed.snnm")), SnnConverter.CalibrationSubset(train, 60, seed: 1));
    }

    // Keeps the log and, per row, what its calibration reported doing (synchronously, unlike Progress<T>).
    private sealed class Recorder : IReproductionObserver
    {
        public List<string> Logs { get; } = [];
        public Dictionary<string, List<string>> Steps { get; } = [];
        public void Log(string message) => Logs.Add(message);
        public T Calibrating<T>(string label, Func<IProgress<CalibrationProgress>?, T> work)
        {
            var steps = Steps[label] = [];
            return work(new Sink(p => steps.Add(p.Description)));
        }
        public T Simulating<T>(string label, int images, int steps, Func<IProgress<int>?, T> work) => work(null);
    }

    private sealed class Sink(Action<CalibrationProgress> report) : IProgress<CalibrationProgress>
    {
        public void Report(CalibrationProgress value) => report(value);
    }

    // The .snn file's bytes: thresholds, weights, biases, initial membranes and the conversion record, all at once.
    private byte[] Bytes(SpikingNetwork net, string name)
    {
        string path = Path.Combine(_temp.Path, name + ".snn");
        SnnFile.Save(path, net);
        return File.ReadAllBytes(path);
    }

    private static void AssertSameLayers(SpikingNetwork expected, SpikingNetwork actual)
    {
        SynapticLayer[] e = [.. expected.Layers.OfType<SynapticLayer>()], a = [.. actual.Layers.OfType<SynapticLayer>()];
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.Equal(e[i].Thresholds, a[i].Thresholds);
            Assert.Equal(e[i].Bias, a[i].Bias);
            Assert.Equal(e[i].InitialPotential, a[i].InitialPotential);
        }
    }

    [Fact]
    public void The_preset_post_calibrated_from_the_target_T_row_s_thresholds_is_the_preset_calibrated_from_scratch()
    {
        var (cnn, calibration) = Mnist();
        var search = new ConversionOptions { CalibrationSteps = 8, TargetSteps = 4, Neuron = Half };
        var preset = search with { PostCalibration = PostCalibration.Bias | PostCalibration.Membrane };

        ThresholdedNetwork thresholds = SnnConverter.Threshold(cnn, search, calibration);
        ConversionResult searchRow = SnnConverter.PostCalibrate(thresholds, search);
        ConversionResult shared = SnnConverter.PostCalibrate(thresholds, preset);
        ConversionResult alone = SnnConverter.Convert(cnn, preset, calibration);

        AssertSameLayers(alone.Network, shared.Network);
        Assert.Equal(Bytes(alone.Network, "alone"), Bytes(shared.Network, "shared"));
        Assert.Equal(alone.Warnings, shared.Warnings);
        // The search row is its own conversion too, and post-calibration changed the preset (else the test proves nothing).
        Assert.Equal(Bytes(SnnConverter.Convert(cnn, search, calibration).Network, "search"), Bytes(searchRow.Network, "searchRow"));
        Assert.Equal(searchRow.Network.Layers.OfType<SynapticLayer>().Select(l => l.Thresholds), shared.Network.Layers.OfType<SynapticLayer>().Select(l => l.Thresholds));
        Assert.NotEqual(searchRow.Network.Layers.OfType<SynapticLayer>().First().Bias, shared.Network.Layers.OfType<SynapticLayer>().First().Bias);
        Assert.NotNull(shared.Network.Layers.OfType<SynapticLayer>().First().InitialPotential);
    }

    [Fact]
    public void Rows_share_thresholds_only_when_their_options_differ_by_post_calibration_and_their_latency_target_is_the_same()
    {
        var search = new ConversionOptions { TargetSteps = 4 };
        var bothSteps = PostCalibration.Bias | PostCalibration.Membrane;

        // Membrane calibration starts the neurons near theta/2: the preset's thresholds minimise the rounding error, the
        // search row's (neurons at 0) the floor's, so by default they do not share; with neurons at theta/2 they do.
        Assert.False(SnnConverter.SharesThresholds(search, search with { PostCalibration = bothSteps }));
        Assert.True(SnnConverter.SharesThresholds(search with { Neuron = Half }, search with { Neuron = Half, PostCalibration = bothSteps, PostCalibrationSamples = 64 }));
        Assert.True(SnnConverter.SharesThresholds(search, search with { PostCalibration = PostCalibration.Bias }));
        Assert.False(SnnConverter.SharesThresholds(search with { Neuron = Half }, search with { Neuron = Half, TargetSteps = 8, PostCalibration = bothSteps }));
        Assert.False(SnnConverter.SharesThresholds(search, search with { Method = new MaxCurrentThresholds(Percentile: 99.9), PostCalibration = PostCalibration.Bias }));
        Assert.False(SnnConverter.SharesThresholds(search, search with { CalibrationSamples = 10, PostCalibration = PostCalibration.Bias }));
    }

    [Fact]
    public void Options_that_calibrate_other_thresholds_are_refused()
    {
        var (cnn, calibration) = Mnist();
        var search = new ConversionOptions { CalibrationSteps = 8, TargetSteps = 4 };
        ThresholdedNetwork thresholds = SnnConverter.Threshold(cnn, search, calibration);

        var e = Assert.Throws<ConversionException>(() => SnnConverter.PostCalibrate(thresholds, search with { PostCalibration = PostCalibration.Bias | PostCalibration.Membrane }));
        Assert.Contains("convert from scratch", e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_run_calibrates_shared_thresholds_once_and_its_rows_equal_those_calibrated_alone(bool half)
    {
        var (cnn, calibration) = Mnist();
        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false, lowLatency: [4]), [4],
            CalibrationSteps: 8, Neuron: half ? Half : null);
        ConversionOptions conversion = options.Conversion();
        var recorder = new Recorder();
        var calibrator = new RowCalibrator(cnn, conversion, options.Methods, calibration, recorder);

        CalibratedMethod[] rows = [.. options.Methods.Select(calibrator.Calibrate)];

        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(Bytes(SnnConverter.Convert(cnn, options.Methods[i].Apply(conversion), calibration).Network, $"alone{i}"), Bytes(rows[i].Snn, $"row{i}"));
        string preset = LowLatencyRows.PresetLabel(4);
        // By default the preset's thresholds are another search's (rounding, not floor): calibrated apart, as before.
        Assert.Equal(half, recorder.Logs.Any(l => l.StartsWith($"{preset}: thresholds shared with {LowLatencyRows.TargetLabel(4)} (calibrated in ", StringComparison.Ordinal)));
        // Shared: the preset's calibration ran post-calibration only; alone: the threshold search first, as the search row's.
        bool PostOnly(string label) => recorder.Steps[label].All(d => d.StartsWith("post-calibration", StringComparison.Ordinal));
        Assert.Equal(half, PostOnly(preset));
        Assert.NotEmpty(recorder.Steps[preset]);
        Assert.False(PostOnly(LowLatencyRows.TargetLabel(4)));
        // The shared row's time counts the thresholds it was given: at least the search row's threshold time.
        if (half) Assert.True(rows[2].CalibrationSeconds >= rows[1].CalibrationSeconds * 0.5, $"{rows[2].CalibrationSeconds} vs {rows[1].CalibrationSeconds}");
    }

    [Fact]
    public void A_preset_row_without_its_search_row_calibrates_its_own_thresholds()
    {
        var (cnn, calibration) = Mnist();
        var options = new ReproductionOptions(MethodVariant.Build(["max-current"], variants: false, lowLatency: [4]), [4], CalibrationSteps: 8, Neuron: Half);
        ConversionOptions conversion = options.Conversion();
        var recorder = new Recorder();
        MethodVariant preset = options.Methods[2];
        // A methods-shard holding only the preset row, or a run whose search row came from its checkpoint.
        foreach (IReadOnlyList<MethodVariant> rows in new[] { new[] { preset }, options.Methods })
        {
            CalibratedMethod row = new RowCalibrator(cnn, conversion, rows, calibration, recorder).Calibrate(preset);
            Assert.Equal(Bytes(SnnConverter.Convert(cnn, preset.Apply(conversion), calibration).Network, "alone"), Bytes(row.Snn, "row"));
        }
        Assert.DoesNotContain(recorder.Logs, l => l.Contains("shared", StringComparison.Ordinal));
    }
}
