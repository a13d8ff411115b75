namespace SnnConvert.Training;

/// <summary>
/// CIFAR-style augmentation: pad each image by <c>Padding</c> zeros, take a random crop of the original size,
/// and flip it horizontally with probability 1/2. Works in place on a batch (N, C, H, W).
/// </summary>
public sealed class RandomCropFlip(int padding = 4)
{
    /// <summary>Augments every image of <paramref name="batch"/> in place.</summary>
    public void Apply(Span<float> batch, int n, int c, int h, int w, Random random)
    {
        var copy = new float[c * h * w];
        for (int i = 0; i < n; i++)
        {
            Span<float> image = batch.Slice(i * c * h * w, c * h * w);
            image.CopyTo(copy);
            int dy = random.Next(-padding, padding + 1), dx = random.Next(-padding, padding + 1);
            bool flip = random.Next(2) == 1;
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        // Output (y, x) shows input (y + dy, x' + dx) where x' is x mirrored when flipping.
                        int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                        image[(ch * h + y) * w + x] = (uint)sy < (uint)h && (uint)sx < (uint)w ? copy[(ch * h + sy) * w + sx] : 0f;
                    }
        }
    }
}
