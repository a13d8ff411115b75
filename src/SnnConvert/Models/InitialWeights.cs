using SnnConvert.Errors;
using SnnConvert.Layers;

namespace SnnConvert.Models;

/// <summary>
/// The start of a fine-tuning run: a network of the target architecture holding the weights of a saved model whose
/// architecture is the same up to its activations (a ReLU where the target has QCFS, or the reverse). Thresholds of a
/// QCFS layer come along when the saved model has QCFS there with as many thresholds; the other QCFS layers are listed
/// so that the caller can initialise them (<c>Training.QcfsThresholdInit</c>).
/// </summary>
public static class InitialWeights
{
    /// <summary>A network of <paramref name="target"/>'s architecture with the weights, batch-norm statistics and thresholds of <paramref name="source"/>.</summary>
    /// <param name="source">The saved model (e.g. a trained ReLU network).</param>
    /// <param name="path">Its file, named in errors.</param>
    /// <param name="target">The architecture to fill (e.g. the zoo model with QCFS activations).</param>
    /// <returns>The network, and the indices of its QCFS layers whose thresholds <paramref name="source"/> did not hold.</returns>
    /// <exception cref="InvalidSettingException">The architectures differ in more than their activations: the message names the file and the first layer that differs.</exception>
    public static (Network Network, IReadOnlyList<int> NewThresholds) Transfer(SavedModel source, string path, ZooModel target)
    {
        Network from = source.Network;
        if (!from.InputShape.AsSpan().SequenceEqual(target.InputShape))
            throw Mismatch(path, target, $"its input is {Tensors.Tensor.ShapeToText(from.InputShape)}, {target.Name} takes {Tensors.Tensor.ShapeToText(target.InputShape)}");
        if (ArchitectureComparison.FirstDifference(from.Architecture, target.Architecture, ignoreActivations: true) is { } i)
        {
            if (i == Math.Min(from.Architecture.Count, target.Architecture.Count))
                throw Mismatch(path, target, $"it has {from.Architecture.Count} layers, {target.Name} has {target.Architecture.Count}");
            LayerSpec have = from.Architecture[i], want = target.Architecture[i];
            string detail = have.Describe() == want.Describe() ? $" ({ArchitectureComparison.Json(have)} against {ArchitectureComparison.Json(want)})" : "";
            throw Mismatch(path, target, $"layer {i} is \"{have.Describe()}\" where {target.Name} has \"{want.Describe()}\"{detail}");
        }

        Network network = target.Build(new Random(0));   // every value is overwritten below, but for new thresholds
        var stored = from.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        var newThresholds = new List<int>();
        var newNames = new HashSet<string>();
        foreach (var (index, layer) in QcfsArchitecture.Layers(network))
        {
            string name = $"{index}.{layer.Threshold.Name}";
            if (stored.TryGetValue(name, out var lambda) && lambda.SameShape(layer.Threshold.Value)) continue;
            newThresholds.Add(index);
            newNames.Add(name);
        }
        foreach (var (name, value) in network.StateTensors)
        {
            if (stored.TryGetValue(name, out var saved) && saved.SameShape(value)) saved.Data.CopyTo(value.Data, 0);
            else if (!newNames.Contains(name))
                throw Mismatch(path, target, $"tensor \"{name}\" of shape {value.ShapeText} is missing or has another shape");
        }
        return (network, newThresholds);
    }

    private static InvalidSettingException Mismatch(string path, ZooModel target, string what) =>
        new(SettingNames.InitialModel, $"{path}: its architecture is not that of {target.Name} up to the activations: {what}");
}
