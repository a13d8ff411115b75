using SnnConvert.Data;
using SnnConvert.Snn;

namespace SnnConvert.Tests.Snn;

/// <summary>Tiny spiking networks and synthetic image sets built in memory for the SNN and conversion tests.</summary>
internal static class TestNets
{
    /// <summary>Class names "c0", "c1", ...</summary>
    public static string[] Classes(int count) => Enumerable.Range(0, count).Select(i => $"c{i}").ToArray();

    /// <summary>A dataset from explicit pixel bytes (C*H*W per image) and labels.</summary>
    public static ImageDataset Dataset(int channels, int height, int width, int classes, byte[][] images, int[] labels) =>
        new("test/synthetic", images.SelectMany(i => i).ToArray(), labels.Select(l => (byte)l).ToArray(), channels, height, width, Classes(classes));

    /// <summary>Random images whose pixels are 0 or 255 (exactly 0 and 1 after scaling).</summary>
    public static ImageDataset Binary(int count, int channels, int height, int width, int classes, int seed, double density = 0.5)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * channels * height * width];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = rng.NextDouble() < density ? (byte)255 : (byte)0;
        var labels = new byte[count];
        for (int i = 0; i < count; i++) labels[i] = (byte)rng.Next(classes);
        return new ImageDataset("test/binary", pixels, labels, channels, height, width, Classes(classes));
    }

    /// <summary>Random grey images (any byte).</summary>
    public static ImageDataset Grey(int count, int channels, int height, int width, int classes, int seed)
    {
        var rng = new Random(seed);
        var pixels = new byte[count * channels * height * width];
        rng.NextBytes(pixels);
        var labels = new byte[count];
        for (int i = 0; i < count; i++) labels[i] = (byte)rng.Next(classes);
        return new ImageDataset("test/grey", pixels, labels, channels, height, width, Classes(classes));
    }

    /// <summary>Multiples of 1/16 in [-limit/16, limit/16]: exact in float32, and so are their small sums and products with 0/1.</summary>
    public static float[] Dyadic(Random rng, int count, int limit = 16) =>
        Enumerable.Range(0, count).Select(_ => rng.Next(-limit, limit + 1) / 16f).ToArray();

    /// <summary>A network with default neurons, membrane readout and an empty conversion record.</summary>
    public static SpikingNetwork Network(int[] inputShape, int classes, params SnnLayer[] layers) =>
        new("test-net", inputShape, layers, Classes(classes), null, new NeuronModel(), Readout.Membrane, new ConversionRecord());

    /// <summary>
    /// A dyadic template (no thresholds) on 1x6x6 images: conv 1->3 3x3 pad 1 (pad value 0.5) +bias, avgpool 2,
    /// conv 3->4 3x3 pad 1 +bias, flatten, linear 36->5 +bias (hidden), linear 5->3 (output). Positive-leaning biases
    /// keep most neurons alive.
    /// </summary>
    public static SpikingNetwork DyadicConvTemplate(int seed)
    {
        var rng = new Random(seed);
        return Network([1, 6, 6], 3,
            new SnnConv2d(1, 3, 3, 1, 1) { Weight = Dyadic(rng, 27, 8), Bias = [0.25f, 0.125f, -0.0625f], PadValues = [0.5f], Spiking = true },
            new SnnAvgPool2d(2, 2),
            new SnnConv2d(3, 4, 3, 1, 1) { Weight = Dyadic(rng, 108, 8), Bias = [0.125f, 0.25f, 0f, 0.0625f], Spiking = true },
            new SnnFlatten(),
            new SnnLinear(36, 5) { Weight = Dyadic(rng, 180, 8), Bias = [0.125f, 0f, 0.25f, -0.125f, 0.0625f], Spiking = true },
            new SnnLinear(5, 3) { Weight = Dyadic(rng, 15), Spiking = false });
    }

    /// <summary>A copy of <paramref name="net"/> with the thresholds of its weighted stages replaced, in order.</summary>
    public static SpikingNetwork WithThresholds(SpikingNetwork net, params float[][] thresholds)
    {
        var layers = net.Layers.ToArray();
        int k = 0;
        for (int s = 0; s < layers.Length && k < thresholds.Length; s++)
            if (layers[s] is SynapticLayer layer) layers[s] = layer with { Thresholds = thresholds[k++] };
        return net with { Layers = layers };
    }
}
