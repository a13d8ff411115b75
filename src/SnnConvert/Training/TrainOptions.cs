using SnnConvert.Errors;

namespace SnnConvert.Training;

/// <summary>Training hyper-parameters. Every random choice derives from <see cref="Seed"/>.</summary>
/// <param name="Epochs">Passes over the training set.</param>
/// <param name="BatchSize">Images per mini-batch.</param>
/// <param name="Optimizer">"sgd" or "adam".</param>
/// <param name="LearningRate">Base learning rate.</param>
/// <param name="Schedule">"constant", "step" or "cosine".</param>
/// <param name="StepEpochs">Step schedule: epochs between decays.</param>
/// <param name="Gamma">Step schedule: decay factor.</param>
/// <param name="WeightDecay">L2 weight decay on weights (not biases or batch-norm affine).</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="Nesterov">SGD: Nesterov momentum.</param>
/// <param name="Augment">Random crop (4-pixel padding) and horizontal flip.</param>
/// <param name="Seed">Seed of initialisation, shuffling, augmentation and dropout.</param>
/// <param name="CheckpointSeconds">A resumable checkpoint is written at least this often (and after every epoch).</param>
/// <param name="Cutout">Side of the square <see cref="Training.Cutout"/> blanks in every training image (after crop and flip); 0: none.</param>
/// <param name="LabelSmoothing">Label smoothing eps of the training loss (<see cref="Layers.SoftmaxCrossEntropy"/>); 0: none.</param>
public sealed record TrainOptions(int Epochs, int BatchSize, string Optimizer, float LearningRate, string Schedule,
    int StepEpochs, float Gamma, float WeightDecay, float Momentum, bool Nesterov, bool Augment, int Seed,
    double CheckpointSeconds = 120, int Cutout = 0, float LabelSmoothing = 0f)
{
    /// <summary>Known optimiser names.</summary>
    public static readonly string[] Optimizers = ["sgd", "adam"];

    /// <summary>The options of a zoo model's recipe as they are (what <c>train</c> uses without overrides), with <paramref name="seed"/>.</summary>
    public static TrainOptions FromRecipe(Models.TrainingRecipe r, int seed) =>
        new(r.Epochs, r.BatchSize, r.Optimizer, r.LearningRate, r.Schedule, 10, 0.1f, r.WeightDecay, r.Momentum, r.Nesterov, r.Augment, seed,
            Cutout: r.Cutout, LabelSmoothing: r.LabelSmoothing);

    /// <summary>Throws <see cref="InvalidSettingException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new InvalidSettingException(SettingNames.Epochs, $"must be at least 1, got {Epochs}");
        if (BatchSize <= 0) throw new InvalidSettingException(SettingNames.BatchSize, $"must be at least 1, got {BatchSize}");
        if (!Optimizers.Contains(Optimizer)) throw new InvalidSettingException(SettingNames.Optimizer, $"unknown optimizer \"{Optimizer}\", expected sgd or adam");
        if (WeightDecay < 0) throw new InvalidSettingException(SettingNames.WeightDecay, $"must not be negative, got {WeightDecay}");
        if (Momentum < 0 || Momentum >= 1) throw new InvalidSettingException(SettingNames.Momentum, $"must be in [0, 1), got {Momentum}");
        if (Cutout < 0) throw new InvalidSettingException(SettingNames.Cutout, $"must not be negative (0 turns it off), got {Cutout}");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) throw new InvalidSettingException(SettingNames.LabelSmoothing, $"must be in [0, 1), got {LabelSmoothing}");
        LearningRateSchedule.Create(Schedule, LearningRate, Epochs, StepEpochs, Gamma);
    }

    /// <summary>Creates the optimiser these options describe.</summary>
    public IOptimizer CreateOptimizer() => Optimizer == "adam"
        ? new AdamOptimizer(weightDecay: WeightDecay)
        : new SgdOptimizer(Momentum, Nesterov, WeightDecay);
}
