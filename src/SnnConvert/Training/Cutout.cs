namespace SnnConvert.Training;

/// <summary>
/// Cutout (DeVries &amp; Taylor 2017, "Improved Regularization of Convolutional Neural Networks with Cutout"): sets a
/// <c>Size</c> x <c>Size</c> square of every image to zero in all channels, centred on a pixel drawn uniformly, so the
/// square may be cut by the border (as in the paper). Zero is black here, like the crop's padding, because the
/// network's own Normalize layer comes after augmentation. Works in place on a batch (N, C, H, W).
/// </summary>
public sealed class Cutout(int size)
{
    /// <summary>Side of the square in pixels.</summary>
    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "cutout size must be at least 1");

    /// <summary>Cuts one square out of every image of <paramref name="batch"/>, drawing two numbers per image from <paramref name="random"/>.</summary>
    public void Apply(Span<float> batch, int n, int c, int h, int w, Random random)
    {
        for (int i = 0; i < n; i++)
        {
            int cy = random.Next(h), cx = random.Next(w);
            int y0 = Math.Max(0, cy - Size / 2), y1 = Math.Min(h, cy - Size / 2 + Size);
            int x0 = Math.Max(0, cx - Size / 2), x1 = Math.Min(w, cx - Size / 2 + Size);
            for (int ch = 0; ch < c; ch++)
                for (int y = y0; y < y1; y++)
                    batch.Slice(((i * c + ch) * h + y) * w + x0, x1 - x0).Clear();
        }
    }
}
