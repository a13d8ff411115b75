using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Tensors;

namespace SnnConvert.Conversion;

/// <summary>
/// The library's one way from a trained CNN to a spiking network: checks that the model fits the calibration images,
/// builds the SNN template (<see cref="SnnTemplateBuilder"/>: folding, pooling, the neuron model, the CNN's QCFS activations),
/// draws the calibration subset, sets the thresholds with the chosen method, checks the result, runs the requested
/// post-calibration (<see cref="PostCalibrator"/>: bias and membrane at the target latency) and records how it was made.
/// </summary>
public static class SnnConverter
{
    /// <summary>Converts <paramref name="model"/>, calibrating its thresholds on <paramref name="calibration"/>.</summary>
    /// <param name="model">The trained CNN.</param>
    /// <param name="options">Method, max-pool handling, neuron model and calibration settings.</param>
    /// <param name="calibration">The images thresholds are calibrated on (of which a subset when <see cref="ConversionOptions.CalibrationSamples"/> is set).</param>
    /// <param name="progress">Calibration progress.</param>
    /// <returns>The balanced network and the conversion warnings.</returns>
    /// <exception cref="InvalidSettingException">A calibration setting is out of range, or the method's settings are.</exception>
    /// <exception cref="ModelDataMismatchException">The images do not fit the model.</exception>
    /// <exception cref="ConversionException">The model cannot be converted as asked, or a whole layer stays silent.</exception>
    /// <exception cref="ModelFormatException">The model records an input preprocessing that cannot be read.</exception>
    public static ConversionResult Convert(SavedModel model, ConversionOptions options, ImageDataset calibration,
        IProgress<CalibrationProgress>? progress = null) => PostCalibrate(Threshold(model, options, calibration, progress), options, progress);

    /// <summary>
    /// The first part of <see cref="Convert"/>: the thresholds of <paramref name="model"/> calibrated with
    /// <paramref name="options"/>' method on <paramref name="calibration"/>, before any post-calibration.
    /// </summary>
    /// <exception cref="InvalidSettingException">As <see cref="Convert"/>.</exception>
    /// <exception cref="ModelDataMismatchException">As <see cref="Convert"/>.</exception>
    /// <exception cref="ConversionException">As <see cref="Convert"/>.</exception>
    public static ThresholdedNetwork Threshold(SavedModel model, ConversionOptions options, ImageDataset calibration,
        IProgress<CalibrationProgress>? progress = null)
    {
        LatencyTarget? target = Target(options);
        target?.Validate();   // before any image is read
        PostCalibrator.CheckImages(options.PostCalibrationSamples);
        PostCalibrator.CheckPasses(options.PostCalibrationPasses);
        CheckReadoutDelay(options);
        ImageDataset subset = CalibrationSubset(calibration, options.CalibrationSamples, options.Seed);
        Evaluator.CheckCompatible(model.Network, subset);
        ConversionTemplate template = SnnTemplateBuilder.Build(model, options.MaxPool, options.Neuron, options.Readout);
        var settings = new CalibrationSettings(subset, options.CalibrationSteps, options.Seed, options.BatchSize, options.Engine, target) { Qcfs = template.Qcfs };
        SpikingNetwork balanced = options.Method.Balance(template.Network, settings, progress);
        balanced.Validate(model.Network.Name, requireThresholds: true);
        RequireLiveLayers(model.Network.Name, balanced, settings.Data.Count);
        string[] warnings = [.. template.Warnings, .. new[] { AsWrittenBiasWarning(template.Network, options.Method) }.OfType<string>()];
        return new ThresholdedNetwork(model, options, balanced, settings, warnings);
    }

    /// <summary>
    /// The second part of <see cref="Convert"/>: the post-calibration of <paramref name="options"/> (none: the thresholds'
    /// network as it is) run on <paramref name="thresholds"/>, and the record of the model's input preprocessing. With
    /// the options the thresholds were calibrated with, <c>PostCalibrate(Threshold(m, o, d), o)</c> is <c>Convert(m, o, d)</c>;
    /// with any other options that share those thresholds (<see cref="SharesThresholds"/>), it is their conversion, to the
    /// bit, without calibrating the thresholds again.
    /// </summary>
    /// <exception cref="ConversionException"><paramref name="options"/> do not share the thresholds' options (<see cref="SharesThresholds"/>).</exception>
    /// <exception cref="InvalidSettingException">A post-calibration setting is out of range.</exception>
    /// <exception cref="ModelFormatException">The model records an input preprocessing that cannot be read.</exception>
    public static ConversionResult PostCalibrate(ThresholdedNetwork thresholds, ConversionOptions options, IProgress<CalibrationProgress>? progress = null)
    {
        if (!SharesThresholds(thresholds.Options, options))
            throw new ConversionException($"{thresholds.Model.Network.Name}: these conversion options calibrate other thresholds than those given " +
                "(options differ beyond their post-calibration, or the latency target differs); convert from scratch");
        SavedModel model = thresholds.Model;
        CheckReadoutDelay(options);
        CalibrationSettings settings = thresholds.Settings with { Steps = options.TargetSteps ?? options.CalibrationSteps };
        SpikingNetwork balanced = PostCalibrator.Calibrate(thresholds.Balanced, options.PostCalibration, settings, progress, options.PostCalibrationSamples,
            options.PostCalibrationPasses, options.MembraneGranularity);
        if (options.ChooseReadoutDelay) balanced = ReadoutDelaySearch.Choose(balanced, thresholds.Balanced, settings, options.PostCalibrationSamples, progress);
        else if (options.ReadoutDelay > 0) balanced = balanced with { ReadoutDelay = options.ReadoutDelay };
        // An ONNX model's preprocessing given on the command line is folded into the first layer; the SNN records it.
        if (model.Training["input"] is { } input)
            balanced = balanced with { Conversion = balanced.Conversion with { Input = RecordedInput(model.Network.Name, input) } };
        return new ConversionResult(balanced, [.. thresholds.Warnings, .. new[] { QcfsTargetWarning(options) }.OfType<string>()]);
    }

    /// <summary>
    /// Whether conversions with <paramref name="a"/> and <paramref name="b"/> calibrate the same thresholds (of the same
    /// model and images): their options are equal except for the post-calibration (steps, images, passes, membrane
    /// granularity), and their thresholds are chosen for the same latency target. Membrane calibration makes the target's error a rounding
    /// (<see cref="Target"/>), so a row with it shares the thresholds of a row without it only when the neurons start at
    /// theta/2 anyway.
    /// </summary>
    public static bool SharesThresholds(ConversionOptions a, ConversionOptions b) =>
        Equals(Target(a), Target(b)) && WithoutPostCalibration(a) == WithoutPostCalibration(b);

    /// <summary>
    /// Throws <see cref="InvalidSettingException"/> unless the readout delay of <paramref name="options"/> can be applied:
    /// at least 0, membrane readout, and a target latency when it is to be chosen.
    /// </summary>
    public static void CheckReadoutDelay(ConversionOptions options)
    {
        if (options.ReadoutDelay < 0) throw new InvalidSettingException(SettingNames.ReadoutDelay, $"must be 0 or more steps, got {options.ReadoutDelay}");
        if (options.ReadoutDelay == 0 && !options.ChooseReadoutDelay) return;
        if (options.Readout != Readout.Membrane)
            throw new InvalidSettingException(SettingNames.ReadoutDelay, $"delays the membrane readout; the readout asked for is {options.Readout.ToString().ToLowerInvariant()}");
        if (options.ChooseReadoutDelay && options.TargetSteps is null)
            throw new InvalidSettingException(SettingNames.ReadoutDelay, $"auto chooses the delay for a target latency; give {SettingReference.To(SettingNames.TargetSteps)} (or a fixed number of steps)");
    }

    private static ConversionOptions WithoutPostCalibration(ConversionOptions options) => options with
    {
        ReadoutDelay = 0,
        ChooseReadoutDelay = false,
        PostCalibration = PostCalibration.None,
        PostCalibrationSamples = PostCalibrator.DefaultImages,
        PostCalibrationPasses = PostCalibrator.DefaultPasses,
        MembraneGranularity = MembraneGranularity.Channel,
    };

    /// <summary>
    /// The warning for a target latency given to the qcfs method without post-calibration, or null: qcfs takes the
    /// trained thresholds (chosen by training for L steps), so the target latency would change nothing.
    /// </summary>
    internal static string? QcfsTargetWarning(ConversionOptions options) =>
        options.Method is QcfsThresholds && options.TargetSteps is { } steps && options.PostCalibration == PostCalibration.None
            ? $"{SettingReference.To(SettingNames.TargetSteps)} {steps} does nothing with the {QcfsThresholds.MethodName} method without post-calibration: " +
              "its thresholds are the trained ones (chosen by training for its L levels); the target latency only sets the T of bias or membrane calibration"
            : null;

    /// <summary>
    /// The latency target of <paramref name="options"/>, or null: the error is that of rounding when the neurons start at
    /// theta/2 or their initial membrane is calibrated, else that of the floor.
    /// </summary>
    internal static LatencyTarget? Target(ConversionOptions options) => options.TargetSteps is { } steps
        ? new LatencyTarget(steps, options.Neuron.Initial == InitialMembrane.HalfThreshold || options.PostCalibration.HasFlag(PostCalibration.Membrane))
        : null;

    private static InputPreprocessing RecordedInput(string model, System.Text.Json.Nodes.JsonNode input)
    {
        try { return InputPreprocessing.FromJson(input); }
        catch (FormatException e) { throw new ModelFormatException($"{model}: the training record's input preprocessing: {e.Message}", e); }
    }

    /// <summary>
    /// The calibration images: all of <paramref name="train"/> when <paramref name="samples"/> is null or not smaller,
    /// else a random subset drawn from <paramref name="seed"/> (kept in dataset order).
    /// </summary>
    /// <exception cref="InvalidSettingException">samples is not positive.</exception>
    public static ImageDataset CalibrationSubset(ImageDataset train, int? samples, int seed)
    {
        if (samples is <= 0) throw new InvalidSettingException(SettingNames.CalibrationSamples, $"calibration needs at least one image, got {samples}");
        if (samples is not { } n || n >= train.Count) return train;
        int[] chosen = Permutation.Of(train.Count, SeedMixer.Random(seed, RandomStreams.Calibration)).Take(n).Order().ToArray();
        return train.Subset(chosen);
    }

    /// <summary>
    /// The warning for max-current as written (copied weights) on a network whose weighted layers after the first have
    /// biases (folded batch norm), or null: such a layer receives the previous layer's activations divided by its
    /// thresholds (per channel) while its bias is not divided, which can cost much accuracy (docs/results/fmnist.md);
    /// the default max-current scales the synapses by the thresholds instead.
    /// </summary>
    internal static string? AsWrittenBiasWarning(SpikingNetwork template, IThresholdMethod method)
    {
        if (method is not MaxCurrentThresholds { RescaleInputs: false }) return null;
        IReadOnlyList<int> synaptic = template.SynapticIndices;
        for (int k = 1; k < synaptic.Count; k++)
            if (template.Layers[synaptic[k]] is SynapticLayer { Bias: { } bias } layer && bias.Any(b => b != 0f))
                return $"layer {synaptic[k]} ({layer.Describe()}) has a bias (folded batch norm): max-current {SettingReference.To(SettingNames.AsWritten)} " +
                    "copies the weights, so this layer sees its inputs divided by the previous layer's thresholds but its bias is not, which can cost " +
                    "much accuracy; the default max-current (without it) scales the synapses by the thresholds and keeps the bias consistent";
        return null;
    }

    /// <summary>
    /// Refuses a network in which a whole spiking layer never received a positive input current during calibration:
    /// its thresholds are placeholders, it never fires, and every layer after it is silent, so the SNN answers one
    /// class for every image. (Some dead channels in a layer are normal for ReLU networks; they are only reported.)
    /// </summary>
    /// <exception cref="ConversionException">A spiking layer has no live channel.</exception>
    internal static void RequireLiveLayers(string model, SpikingNetwork balanced, int calibrationImages)
    {
        foreach (LayerCalibration entry in balanced.Conversion.LayerRecords)
        {
            if (entry.Thresholds > 0 && entry.DeadChannels == entry.Thresholds)
                throw new ConversionException($"{model}: stage {entry.Stage} ({entry.Layer}): no neuron of this layer received a positive input " +
                    $"current on the {calibrationImages} calibration images, so it never fires and the SNN after it is silent; check the model's weights " +
                    "(a layer whose ReLU is always zero) and that the calibration data is the model's dataset");
        }
    }
}
