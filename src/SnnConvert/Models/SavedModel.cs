using System.Text.Json.Nodes;

namespace SnnConvert.Models;

/// <summary>A network with what the model file stores beside its weights.</summary>
/// <param name="Network">The CNN, including its input normalisation layer when it has one.</param>
/// <param name="Dataset">Dataset it was trained on ("mnist", "fmnist", "cifar10"), or null when unknown.</param>
/// <param name="ClassNames">Names of the output classes.</param>
/// <param name="Training">Training metadata: command, seed, epochs, wall time, accuracies (free-form JSON).</param>
public sealed record SavedModel(Network Network, string? Dataset, IReadOnlyList<string> ClassNames, JsonObject Training);
