using SnnConvert.Errors;

namespace SnnConvert.Cli;

/// <summary>
/// The command-line flag of each library setting, so that an <see cref="InvalidSettingException"/> reads as the
/// option the user typed (e.g. "--calib-samples: ..."). A setting without a flag here (a dataset name given as an
/// argument, an environment variable) keeps the library's name.
/// </summary>
public static class SettingFlags
{
    private static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>
    {
        [SettingNames.CalibrationSamples] = "--calib-samples",
        [SettingNames.CalibrationSteps] = "--calib-steps",
        [SettingNames.PostCalibrationSamples] = "--post-calib-samples",
        [SettingNames.PostCalibrationPasses] = "--post-calib-passes",
        [SettingNames.BatchSize] = "--batch-size",
        [SettingNames.TimeSteps] = "--timesteps",
        [SettingNames.Shard] = "--shard",
        [SettingNames.ThresholdMethod] = "--method",
        [SettingNames.ThresholdMethods] = "--methods",
        [SettingNames.Percentile] = "--percentile",
        [SettingNames.Epochs] = "--epochs",
        [SettingNames.Optimizer] = "--optimizer",
        [SettingNames.WeightDecay] = "--weight-decay",
        [SettingNames.Momentum] = "--momentum",
        [SettingNames.Cutout] = "--cutout",
        [SettingNames.LabelSmoothing] = "--label-smoothing",
        [SettingNames.LearningRateSchedule] = "--schedule",
        [SettingNames.LearningRate] = "--lr",
        [SettingNames.StepEpochs] = "--step-epochs",
        [SettingNames.Resume] = "--resume",
        [SettingNames.InitialModel] = "--init",
        [SettingNames.Activation] = "--activation",
        [SettingNames.QuantisationLevels] = "--levels",
        [SettingNames.InputScale] = "--input-scale",
        [SettingNames.InputMean] = "--input-mean",
        [SettingNames.InputStd] = "--input-std",
        [SettingNames.MaxPoolHandling] = "--maxpool",
        [SettingNames.AsWritten] = "--as-written",
        [SettingNames.TargetSteps] = "--target-T",
        [SettingNames.ReadoutDelay] = "--readout-delay",
        [SettingNames.LowLatencyRows] = "--low-latency-rows",
        [SettingNames.QcfsModel] = "--qcfs-model",
        [SettingNames.DataDirectory] = "--data-dir",
        [SettingNames.GraphOutput] = "--output",
    };

    /// <summary>The flag that sets <paramref name="setting"/>, or the setting's own name when no flag does.</summary>
    public static string FlagOf(string setting) => Flags.GetValueOrDefault(setting, setting);

    /// <summary>The error as a usage error that names the flag instead of the setting.</summary>
    public static UsageException ToUsage(InvalidSettingException e) => new($"{FlagOf(e.Setting)}: {InText(e.Problem)}");

    /// <summary>
    /// A library message or warning with each setting it names (<see cref="SettingReference"/>, "[max-pool handling = gate]")
    /// written as the flag and value the user would type ("--maxpool gate").
    /// </summary>
    public static string InText(string message) =>
        SettingReference.Rewrite(message, (setting, value) => value is null ? FlagOf(setting) : $"{FlagOf(setting)} {value}");
}
