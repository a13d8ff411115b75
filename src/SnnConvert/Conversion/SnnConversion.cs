using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Snn;
using SnnConvert.Training;

namespace SnnConvert.Conversion;

/// <summary>The conversion pipeline: template from the CNN, calibration subset, threshold balancing.</summary>
public static class SnnConversion
{
    private const long CalibrationStream = 5;

    /// <summary>
    /// The calibration images: all of <paramref name="train"/> when <paramref name="samples"/> is null or not smaller,
    /// else a random subset drawn from <paramref name="seed"/> (kept in dataset order).
    /// </summary>
    /// <exception cref="UsageException">samples is not positive.</exception>
    public static ImageDataset CalibrationSubset(ImageDataset train, int? samples, int seed)
    {
        if (samples is <= 0) throw new UsageException($"--calib-samples: calibration needs at least one image, got {samples}");
        if (samples is not { } n || n >= train.Count) return train;
        int[] chosen = Trainer.Permutation(train.Count, SeedMixer.Random(seed, CalibrationStream)).Take(n).Order().ToArray();
        return train.Subset(chosen);
    }

    /// <summary>Converts <paramref name="model"/> with <paramref name="method"/>.</summary>
    /// <param name="model">The trained CNN.</param>
    /// <param name="method">Threshold balancing method.</param>
    /// <param name="settings">Calibration images and steps.</param>
    /// <param name="maxPool">What to do with max pooling.</param>
    /// <param name="neuron">IF neuron settings.</param>
    /// <param name="readout">Output readout.</param>
    /// <param name="progress">Calibration progress.</param>
    /// <returns>The balanced network and the conversion warnings.</returns>
    public static (SpikingNetwork Network, IReadOnlyList<string> Warnings) Convert(SavedModel model, IThresholdMethod method, CalibrationSettings settings,
        MaxPoolHandling maxPool = MaxPoolHandling.Refuse, NeuronModel? neuron = null, Readout readout = Readout.Membrane,
        IProgress<CalibrationProgress>? progress = null)
    {
        Evaluator.CheckCompatible(model.Network, settings.Data);
        ConversionTemplate template = CnnToSnnConverter.Convert(model, maxPool, neuron, readout);
        SpikingNetwork balanced = method.Balance(template.Network, settings, progress);
        balanced.Validate(model.Network.Name, requireThresholds: true);
        return (balanced, template.Warnings);
    }
}
