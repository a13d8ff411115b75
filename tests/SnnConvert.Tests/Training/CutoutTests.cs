using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

public class CutoutTests
{
    /// <summary>A Random whose Next(max) answers from a script (checking the range).</summary>
    private sealed class ScriptedRandom(params int[] answers) : Random
    {
        private int _next;
        public override int Next(int maxValue)
        {
            Assert.True(_next < answers.Length, "Cutout drew more numbers than scripted");
            int v = answers[_next++];
            Assert.InRange(v, 0, maxValue - 1);
            return v;
        }
        public int Used => _next;
    }

    private static float[] Ones(int length) => Enumerable.Repeat(1f, length).ToArray();

    // Independent statement of the rule: pixel (y, x) is blank when it lies in the size x size square whose top-left
    // corner is (cy - size/2, cx - size/2).
    private static bool InSquare(int y, int x, int cy, int cx, int size) =>
        y >= cy - size / 2 && y < cy - size / 2 + size && x >= cx - size / 2 && x < cx - size / 2 + size;

    [Theory]
    [InlineData(4, 3, 5)]     // inside
    [InlineData(4, 0, 0)]     // cut by the top-left border: 2 x 2 left
    [InlineData(3, 7, 6)]     // odd size, bottom-right border
    [InlineData(8, 4, 4)]     // as large as the image: all blank
    [InlineData(12, 1, 6)]    // larger than the image
    public void Blanks_exactly_the_square_around_the_drawn_centre_in_every_channel(int size, int cy, int cx)
    {
        const int n = 2, c = 3, h = 8, w = 8;
        float[] batch = Ones(n * c * h * w);
        var random = new ScriptedRandom(cy, cx, 7, 0);   // image 1: centre (7, 0)
        new Cutout(size).Apply(batch, n, c, h, w, random);
        Assert.Equal(4, random.Used);
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        bool blank = i == 0 ? InSquare(y, x, cy, cx, size) : InSquare(y, x, 7, 0, size);
                        Assert.Equal(blank ? 0f : 1f, batch[((i * c + ch) * h + y) * w + x]);
                    }
    }

    [Fact]
    public void Same_seed_same_squares_and_the_blank_count_is_at_most_size_squared()
    {
        const int n = 16, c = 3, h = 32, w = 32, size = 8;
        float[] a = Ones(n * c * h * w), b = Ones(n * c * h * w);
        new Cutout(size).Apply(a, n, c, h, w, new Random(5));
        new Cutout(size).Apply(b, n, c, h, w, new Random(5));
        Assert.Equal(a, b);
        for (int i = 0; i < n; i++)
        {
            int zeros = a.AsSpan(i * c * h * w, c * h * w).ToArray().Count(v => v == 0f);
            Assert.InRange(zeros, 1, c * size * size);
            Assert.Equal(0, zeros % c);   // the same pixels in every channel
        }
    }

    [Fact]
    public void Rejects_a_size_below_1() => Assert.Throws<ArgumentOutOfRangeException>(() => new Cutout(0));
}
