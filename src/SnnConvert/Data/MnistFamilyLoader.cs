using SnnConvert.Errors;

namespace SnnConvert.Data;

/// <summary>
/// Builds an <see cref="ImageDataset"/> for MNIST-style datasets (MNIST, Fashion-MNIST) from the four
/// standard IDX files, each either gzip-compressed (name + ".gz") or raw.
/// </summary>
public static class MnistFamilyLoader
{
    /// <summary>Base name of the image file of a split, e.g. "t10k-images-idx3-ubyte" for "test".</summary>
    /// <param name="split">"train" or "test".</param>
    public static string ImagesFileName(string split) => Prefix(split) + "-images-idx3-ubyte";

    /// <summary>Base name of the label file of a split, e.g. "t10k-labels-idx1-ubyte" for "test".</summary>
    /// <param name="split">"train" or "test".</param>
    public static string LabelsFileName(string split) => Prefix(split) + "-labels-idx1-ubyte";

    // The original distribution calls the test split "t10k".
    private static string Prefix(string split) => DatasetLoader.NormalizeSplit(split) == "train" ? "train" : "t10k";

    /// <summary>The path of <paramref name="baseName"/> in <paramref name="folder"/>, preferring the
    /// .gz file (the form that is downloaded and checksummed) over a raw one; null when neither exists.</summary>
    /// <param name="folder">Folder to look in.</param>
    /// <param name="baseName">File name without ".gz".</param>
    public static string? FindFile(string folder, string baseName)
    {
        string gz = Path.Combine(folder, baseName + ".gz");
        if (File.Exists(gz)) return gz;
        string raw = Path.Combine(folder, baseName);
        return File.Exists(raw) ? raw : null;
    }

    /// <summary>Loads one split from <paramref name="folder"/>.</summary>
    /// <param name="folder">Folder holding the IDX files.</param>
    /// <param name="split">"train" or "test".</param>
    /// <param name="info">The dataset: name, class names and the expected image size.</param>
    /// <exception cref="DatasetNotFoundException">The image or label file is missing.</exception>
    /// <exception cref="DataFormatException">A file is malformed, counts differ, sizes differ from <paramref name="info"/>, or a label is out of range.</exception>
    public static ImageDataset Load(string folder, string split, DatasetInfo info)
    {
        split = DatasetLoader.NormalizeSplit(split);
        if (info.Channels != 1)
            throw new ArgumentException($"{info.Name}: IDX images have 1 channel, the dataset entry says {info.Channels}", nameof(info));
        string imagesPath = Require(folder, ImagesFileName(split));
        string labelsPath = Require(folder, LabelsFileName(split));

        IdxImages images = IdxReader.ReadImages(imagesPath);
        byte[] labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
            throw new DataFormatException(
                $"{imagesPath} and {labelsPath}: image count vs label count: expected equal counts, found {images.Count} images and {labels.Length} labels");
        // A model is built for one input size; catching a mismatch here beats a shape error deep in a layer.
        if (images.Rows != info.Height || images.Columns != info.Width)
            throw new DataFormatException(
                $"{imagesPath}: image size: expected {info.Height}x{info.Width} for {info.DisplayName}, found {images.Rows}x{images.Columns}");
        int classes = info.ClassNames.Count;
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classes)
                throw new DataFormatException($"{labelsPath}: label of item {i}: expected 0..{classes - 1}, found {labels[i]}");

        return new ImageDataset($"{info.Name}/{split}", images.Pixels, labels, 1, images.Rows, images.Columns, info.ClassNames);
    }

    private static string Require(string folder, string baseName) =>
        FindFile(folder, baseName) ?? throw new DatasetNotFoundException(
            $"{folder}: IDX file: expected {baseName}.gz or {baseName}, not found");
}
