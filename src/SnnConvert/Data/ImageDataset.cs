using SnnConvert.Tensors;

namespace SnnConvert.Data;

/// <summary>
/// A labelled image set held as bytes (0..255), NCHW per image. Conversion to float scales to [0, 1];
/// per-channel normalisation is part of the model, not of the data.
/// </summary>
public sealed class ImageDataset : ILabelledImages
{
    private readonly byte[] _pixels;   // (Count, Channels, Height, Width)
    private readonly byte[] _labels;   // (Count)

    /// <summary>Creates a dataset; the arrays are not copied.</summary>
    /// <exception cref="ArgumentException">Array sizes do not match the counts.</exception>
    public ImageDataset(string name, byte[] pixels, byte[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.Length != expected)
            throw new ArgumentException($"{name}: {pixels.Length} pixel bytes for {labels.Length} images of {channels}x{height}x{width}");
        foreach (byte label in labels)
            if (label >= classNames.Count) throw new ArgumentException($"{name}: label {label} outside [0, {classNames.Count})");
        Name = name; _pixels = pixels; _labels = labels;
        Channels = channels; Height = height; Width = width; ClassNames = classNames;
    }

    /// <summary>Dataset and split, e.g. "mnist/train".</summary>
    public string Name { get; }
    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;
    /// <summary>Channels per image.</summary>
    public int Channels { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Values per image (C*H*W).</summary>
    public int ImageSize => Channels * Height * Width;
    /// <summary>Class names; labels index into this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The per-sample shape (C, H, W).</summary>
    public int[] SampleShape => [Channels, Height, Width];

    /// <summary>Label of image <paramref name="index"/>.</summary>
    public int Label(int index) => _labels[index];

    /// <summary>Raw bytes of image <paramref name="index"/>, (C, H, W).</summary>
    public ReadOnlySpan<byte> Pixels(int index) => _pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>Writes image <paramref name="index"/> scaled to [0, 1] into <paramref name="destination"/> (C*H*W floats).</summary>
    public void CopyImage(int index, Span<float> destination)
    {
        ReadOnlySpan<byte> src = Pixels(index);
        for (int i = 0; i < src.Length; i++) destination[i] = src[i] * (1f / 255f);
    }

    /// <summary>The images at <paramref name="indices"/>, in that order, as a new dataset.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var pixels = new byte[indices.Count * ImageSize];
        var labels = new byte[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Pixels(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize, ImageSize));
            labels[i] = _labels[indices[i]];
        }
        return new ImageDataset(Name, pixels, labels, Channels, Height, Width, ClassNames);
    }

    /// <summary>The first <paramref name="count"/> images (or all when count is larger), sharing nothing with this set.</summary>
    public ImageDataset Take(int count)
    {
        count = Math.Clamp(count, 0, Count);
        return new ImageDataset(Name, _pixels.AsSpan(0, count * ImageSize).ToArray(), _labels.AsSpan(0, count).ToArray(),
            Channels, Height, Width, ClassNames);
    }
}
