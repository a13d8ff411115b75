namespace SnnConvert.Data;

/// <summary>One place <see cref="DatasetLocator"/> looks for datasets.</summary>
/// <param name="Path">A folder holding dataset folders (e.g. "mnist/", "cifar10/").</param>
/// <param name="Origin">Where this root came from, for messages, e.g. "[data directory]" (a <see cref="Errors.SettingReference"/>) or "SNNCONVERT_DATA".</param>
/// <param name="MayBeDatasetFolder">Also accept <paramref name="Path"/> itself as the dataset folder (or,
/// for CIFAR-10, the archive file). Only for roots the user named explicitly: in a shared root the same
/// file names would make MNIST files pass for Fashion-MNIST.</param>
public sealed record DatasetSearchRoot(string Path, string Origin, bool MayBeDatasetFolder = false);
