namespace SnnConvert.Data;

/// <summary>Where a dataset was found.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Path">The dataset folder, or the archive file for CIFAR-10.</param>
/// <param name="Root">The search root it was found under.</param>
public sealed record DatasetLocation(DatasetInfo Dataset, string Path, DatasetSearchRoot Root);
