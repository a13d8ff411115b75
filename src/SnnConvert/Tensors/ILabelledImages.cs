namespace SnnConvert.Tensors;

/// <summary>
/// Labelled images as the SNN simulator reads them, one (C, H, W) image at a time. Implemented by
/// <c>Data.ImageDataset</c>; the interface lives at the bottom so that the spiking engine needs no dataset reader.
/// </summary>
public interface ILabelledImages
{
    /// <summary>Dataset and split, e.g. "mnist/train".</summary>
    string Name { get; }
    /// <summary>Number of images.</summary>
    int Count { get; }
    /// <summary>Values per image (C*H*W).</summary>
    int ImageSize { get; }
    /// <summary>The per-sample shape (C, H, W).</summary>
    int[] SampleShape { get; }
    /// <summary>Label of image <paramref name="index"/>.</summary>
    int Label(int index);
    /// <summary>Writes image <paramref name="index"/> scaled to [0, 1] into <paramref name="destination"/> (C*H*W floats).</summary>
    void CopyImage(int index, Span<float> destination);
}
