namespace SnnConvert.Tensors;

/// <summary>
/// Every stream id that <see cref="SeedMixer"/> mixes with the user's seed, in one table, so that no two random
/// purposes share draws. The values are part of the results: changing one changes what a seed produces.
/// </summary>
internal static class RandomStreams
{
    /// <summary>Weight initialisation of a model being trained.</summary>
    public const long Init = 0;
    /// <summary>Each epoch's shuffle of the training set (with the epoch).</summary>
    public const long Shuffle = 1;
    /// <summary>Each batch's augmentation (with epoch and batch).</summary>
    public const long Augment = 2;
    /// <summary>Each batch's dropout masks (with epoch and batch).</summary>
    public const long Dropout = 3;
    /// <summary>Rate-coded (Bernoulli) input spikes of an SNN (with the image index).</summary>
    public const long RateCoding = 4;
    /// <summary>The calibration subset of the training set.</summary>
    public const long Calibration = 5;
    /// <summary>Synthetic images and labels of the CNN throughput benchmark.</summary>
    public const long CnnBenchmark = 100;
    /// <summary>Synthetic model weights and images of the SNN throughput benchmark.</summary>
    public const long SnnBenchmark = 101;
}
