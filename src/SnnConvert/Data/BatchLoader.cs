using SnnConvert.Tensors;

namespace SnnConvert.Data;

/// <summary>Copies images of a dataset, by index, into a float batch (N, C, H, W) scaled to [0, 1].</summary>
public static class BatchLoader
{
    /// <summary>Creates a batch tensor and label array for <paramref name="indices"/>.</summary>
    public static (Tensor Images, int[] Labels) Load(ImageDataset data, ReadOnlySpan<int> indices)
    {
        var images = new Tensor(indices.Length, data.Channels, data.Height, data.Width);
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            data.CopyImage(indices[i], images.Data.AsSpan(i * data.ImageSize, data.ImageSize));
            labels[i] = data.Label(indices[i]);
        }
        return (images, labels);
    }

    /// <summary>The batch of images [start, start + count) in dataset order.</summary>
    public static (Tensor Images, int[] Labels) LoadRange(ImageDataset data, int start, int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = start + i;
        return Load(data, indices);
    }
}
