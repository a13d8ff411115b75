using SnnConvert.Errors;

namespace SnnConvert.Training;

/// <summary>
/// Learning rate as a function of training progress. "constant"; "step" multiplies by <c>gamma</c>
/// every <c>stepEpochs</c> epochs; "cosine" anneals from the base rate to 0 over all steps
/// (Loshchilov &amp; Hutter 2017, without restarts), updated every batch.
/// </summary>
public sealed record LearningRateSchedule(string Kind, float BaseRate, int TotalEpochs, int StepEpochs = 10, float Gamma = 0.1f)
{
    /// <summary>Known schedule names.</summary>
    public static readonly string[] Kinds = ["constant", "step", "cosine"];

    /// <summary>Checks the arguments and creates the schedule.</summary>
    /// <exception cref="InvalidSettingException">Unknown kind or non-positive values.</exception>
    public static LearningRateSchedule Create(string kind, float baseRate, int totalEpochs, int stepEpochs, float gamma)
    {
        if (!Kinds.Contains(kind)) throw new InvalidSettingException(SettingNames.LearningRateSchedule, $"unknown schedule \"{kind}\", expected one of {string.Join(", ", Kinds)}");
        if (!(baseRate > 0)) throw new InvalidSettingException(SettingNames.LearningRate, $"learning rate must be positive, got {baseRate}");
        if (stepEpochs <= 0) throw new InvalidSettingException(SettingNames.StepEpochs, $"must be positive, got {stepEpochs}");
        return new LearningRateSchedule(kind, baseRate, totalEpochs, stepEpochs, gamma);
    }

    /// <summary>The rate for batch <paramref name="batch"/> of <paramref name="batches"/> in epoch <paramref name="epoch"/> (0-based).</summary>
    public float At(int epoch, int batch, int batches) => Kind switch
    {
        "step" => BaseRate * MathF.Pow(Gamma, epoch / StepEpochs),
        "cosine" => BaseRate * 0.5f * (1f + MathF.Cos(MathF.PI * Math.Min(1f, (epoch + (float)batch / batches) / TotalEpochs))),
        _ => BaseRate,
    };
}
