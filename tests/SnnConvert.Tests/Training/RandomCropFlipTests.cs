using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

public class RandomCropFlipTests
{
    /// <summary>A Random that answers Next(min, max) and Next(max) from a script (checking the range).</summary>
    private sealed class ScriptedRandom(params int[] answers) : Random
    {
        private int _next;
        private int Answer(int min, int max)
        {
            Assert.True(_next < answers.Length, "RandomCropFlip drew more numbers than scripted");
            int v = answers[_next++];
            Assert.InRange(v, min, max - 1);
            return v;
        }
        public override int Next(int minValue, int maxValue) => Answer(minValue, maxValue);
        public override int Next(int maxValue) => Answer(0, maxValue);
        public int Used => _next;
    }

    /// <summary>c x h x w image of distinct values 1, 2, 3, ... (no zeros).</summary>
    private static float[] Image(int c, int h, int w) => Enumerable.Range(1, c * h * w).Select(v => (float)v).ToArray();

    [Fact]
    public void Padding_0_with_a_forced_flip_mirrors_every_row_of_every_channel()
    {
        const int c = 2, h = 3, w = 4;
        float[] original = Image(c, h, w), image = (float[])original.Clone();
        var random = new ScriptedRandom(0, 0, 1);   // dy = 0, dx = 0, flip
        new RandomCropFlip(padding: 0).Apply(image, 1, c, h, w, random);
        Assert.Equal(3, random.Used);
        // Row "1 2 3 4" becomes "4 3 2 1".
        Assert.Equal([4f, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17, 24, 23, 22, 21], image);
    }

    [Fact]
    public void Padding_0_without_flip_is_the_identity()
    {
        float[] original = Image(3, 4, 4), image = (float[])original.Clone();
        new RandomCropFlip(padding: 0).Apply(image, 1, 3, 4, 4, new ScriptedRandom(0, 0, 0));
        Assert.Equal(original, image);
    }

    [Fact]
    public void A_forced_shift_moves_the_content_and_fills_zeros()
    {
        // 3 x 4 image, crop offset dy = +1 (content moves up), dx = -2 (content moves right by 2), no flip.
        //  1  2  3  4        0 0  5  6
        //  5  6  7  8   ->   0 0  9 10
        //  9 10 11 12        0 0  0  0
        float[] image = Image(1, 3, 4);
        new RandomCropFlip(padding: 2).Apply(image, 1, 1, 3, 4, new ScriptedRandom(1, -2, 0));
        Assert.Equal([0f, 0, 5, 6, 0, 0, 9, 10, 0, 0, 0, 0], image);
    }

    [Fact]
    public void Each_image_becomes_a_zero_padded_crop_of_itself_or_of_its_mirror()
    {
        const int n = 24, c = 2, h = 5, w = 6, p = 2;
        int size = c * h * w;
        var batch = new float[n * size];
        for (int i = 0; i < n; i++) Image(c, h, w).Select(v => v + 1000f * i).ToArray().CopyTo(batch, i * size);
        float[] original = (float[])batch.Clone();
        new RandomCropFlip(p).Apply(batch, n, c, h, w, new Random(3));

        var seen = new HashSet<(int, int, bool)>();
        for (int i = 0; i < n; i++)
        {
            float[] src = original.AsSpan(i * size, size).ToArray(), dst = batch.AsSpan(i * size, size).ToArray();
            var matches = Candidates(src, c, h, w, p).Where(k => k.Image.AsSpan().SequenceEqual(dst)).Select(k => k.Key).ToList();
            Assert.True(matches.Count == 1, $"image {i}: matches {matches.Count} crop/flip candidates");
            seen.Add(matches[0]);
        }
        // With 24 images the seeded draws include flipped and unflipped ones and several offsets.
        Assert.Contains(seen, k => k.Item3);
        Assert.Contains(seen, k => !k.Item3);
        Assert.True(seen.Select(k => (k.Item1, k.Item2)).Distinct().Count() >= 5);
    }

    /// <summary>Every zero-padded crop (offset dy, dx in [-p, p]) of the image, unflipped and mirrored.</summary>
    private static IEnumerable<((int, int, bool) Key, float[] Image)> Candidates(float[] src, int c, int h, int w, int p)
    {
        int ph = h + 2 * p, pw = w + 2 * p;
        var padded = new float[c * ph * pw];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) padded[(ch * ph + y + p) * pw + x + p] = src[(ch * h + y) * w + x];
        for (int dy = -p; dy <= p; dy++)
            for (int dx = -p; dx <= p; dx++)
                foreach (bool flip in new[] { false, true })
                {
                    var crop = new float[c * h * w];
                    for (int ch = 0; ch < c; ch++)
                        for (int y = 0; y < h; y++)
                            for (int x = 0; x < w; x++)
                            {
                                int cx = flip ? w - 1 - x : x;
                                crop[(ch * h + y) * w + x] = padded[(ch * ph + y + p + dy) * pw + cx + p + dx];
                            }
                    yield return ((dy, dx, flip), crop);
                }
    }
}
