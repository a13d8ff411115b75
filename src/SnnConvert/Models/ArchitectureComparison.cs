using System.Text.Json;
using SnnConvert.Layers;

namespace SnnConvert.Models;

/// <summary>Where two architectures (lists of layer specs) first differ, each spec compared as the model file writes it.</summary>
public static class ArchitectureComparison
{
    /// <summary>
    /// The index of the first layer at which <paramref name="have"/> and <paramref name="want"/> differ; when one list
    /// extends the other, the shorter one's length; null when they are the same.
    /// </summary>
    /// <param name="have">One architecture.</param>
    /// <param name="want">The other.</param>
    /// <param name="ignoreActivations">Count an activation against an activation (ReLU or QCFS, any settings) as the same layer.</param>
    public static int? FirstDifference(IReadOnlyList<LayerSpec> have, IReadOnlyList<LayerSpec> want, bool ignoreActivations = false)
    {
        int common = Math.Min(have.Count, want.Count);
        for (int i = 0; i < common; i++)
        {
            if (ignoreActivations && QcfsArchitecture.IsActivation(have[i]) && QcfsArchitecture.IsActivation(want[i])) continue;
            if (Json(have[i]) != Json(want[i])) return i;
        }
        return have.Count == want.Count ? null : common;
    }

    /// <summary>A layer spec as the model file writes it.</summary>
    public static string Json(LayerSpec spec) => JsonSerializer.Serialize(spec, ModelFile.JsonOptions);
}
