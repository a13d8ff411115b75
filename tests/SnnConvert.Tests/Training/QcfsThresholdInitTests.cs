using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

/// <summary>
/// <see cref="QcfsThresholdInit"/>: the threshold that makes QCFS closest to the ReLU on a layer's (or channel's)
/// positive inputs, against the analytic optimum for uniform values; layers set from the input up, each seeing the
/// quantised output of the ones below.
/// </summary>
public class QcfsThresholdInitTests
{
    // For z uniform on (0, a), sum (h(z) - z)^2 is a * [lambda^3 / (12 L^2) (rounding inside the clip) + (a - lambda)^3 / 3
    // (clipping above it)] / a, least at lambda / (2L) = a - lambda: lambda = a * 2L / (2L + 1).
    private static float[] Uniform(int count, float a) => Enumerable.Range(0, count).Select(i => a * (i + 0.5f) / count).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void The_threshold_is_the_analytic_optimum_for_uniform_values(int levels)
    {
        // Mixed with zeros and negatives, which add no error at any threshold; 50,000 values: a subsample is used.
        var rng = new Random(levels);
        float[] values = Uniform(50000, 3f).Concat(Enumerable.Repeat(0f, 1000)).Concat(Uniform(1000, 5f).Select(v => -v))
            .OrderBy(_ => rng.Next()).ToArray();
        double optimum = 3.0 * 2 * levels / (2 * levels + 1);
        float best = QcfsThresholdInit.BestThreshold(values, levels)!.Value;
        Assert.True(Math.Abs(best - optimum) <= 0.02 * optimum, $"L = {levels}: {best} against {optimum:F4}");
        Assert.Null(QcfsThresholdInit.BestThreshold([0f, -1f], levels));
        // Many levels: the maximum (no clipping) is best up to the grid.
        Assert.True(QcfsThresholdInit.BestThreshold(Uniform(1000, 3f), 1000)!.Value >= 0.99 * 3);
    }

    [Fact]
    public void The_squared_error_is_that_of_the_formula()
    {
        float[] z = [0.1f, 0.4f, 0.9f, 1.3f, 2.6f];
        var scratch = new float[z.Length];
        double expected = z.Sum(v => Math.Pow(1.2 * Math.Clamp(Math.Floor(v * 4 / 1.2 + 0.5) / 4, 0, 1) - v, 2));
        Assert.Equal(expected, QcfsThresholdInit.SquaredError(z, 1.2f, 4, scratch), 6);
    }

    [Fact]
    public void Per_channel_thresholds_come_from_their_channel_and_a_silent_channel_gets_the_layer_value()
    {
        // Input (4, 3, 10, 10): channel 0 uniform on (0, 1), channel 1 on (0, 10), channel 2 nothing positive.
        const int n = 4, plane = 100, levels = 2;
        float[] small = Uniform(n * plane, 1f), large = Uniform(n * plane, 10f);
        var input = new Tensor(n, 3, 10, 10);
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
            {
                input.Data[(i * 3 + 0) * plane + p] = small[i * plane + p];
                input.Data[(i * 3 + 1) * plane + p] = large[i * plane + p];
                input.Data[(i * 3 + 2) * plane + p] = -1;
            }
        var perChannel = (QcfsLayer)new QcfsSpec(levels, 3).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(perChannel, input);
        float[] lambda = perChannel.Threshold.Value.Data;
        Assert.Equal(0.8, lambda[0], 0.02);
        Assert.Equal(8.0, lambda[1], 0.2);
        Assert.Equal(QcfsThresholdInit.BestThreshold(input.Span, levels)!.Value, lambda[2]);
        var perLayer = (QcfsLayer)new QcfsSpec(levels).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(perLayer, input);
        Assert.Equal(lambda[2], perLayer.Threshold.Value.Data[0]);
        var silent = (QcfsLayer)new QcfsSpec(levels).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(silent, new Tensor(2, 3, 2, 2));
        Assert.Equal(8f, silent.Threshold.Value.Data[0]);   // nothing positive: the spec's initial threshold stays
    }

    [Fact]
    public void Layers_are_set_from_the_input_up_on_the_quantised_activations_below_them()
    {
        LayerSpec[] architecture =
        [
            new Conv2dSpec(1, 3, 3), new BatchNorm2dSpec(3), new QcfsSpec(2, 3), new AvgPool2dSpec(2),
            new FlattenSpec(), new LinearSpec(48, 6), new QcfsSpec(2), new DropoutSpec(0.5f), new LinearSpec(6, 10),
        ];
        var network = new Network("tiny", architecture, [1, 10, 10], new Random(1));
        var rng = new Random(2);
        byte[] pixels = new byte[40 * 100];
        rng.NextBytes(pixels);
        var data = new ImageDataset("tiny", pixels, new byte[40], 1, 10, 10, Enumerable.Range(0, 10).Select(i => $"{i}").ToArray());
        int[] indices = Enumerable.Range(0, 40).Reverse().ToArray();

        QcfsThresholdInit.FromActivations(network, [2, 6], data, indices);

        // The reference: run the layers by hand, taking each QCFS layer's input after the one below has its thresholds.
        Tensor x = BatchLoader.Load(data, indices).Images;
        for (int i = 0; i < 7; i++)
        {
            if (network.Layers[i] is QcfsLayer qcfs)
            {
                int c = x.Dim(1), plane = x.Length / (x.Dim(0) * c);
                float[] lambda = qcfs.Threshold.Value.Data;
                for (int t = 0; t < lambda.Length; t++)
                {
                    float[] values = Enumerable.Range(0, x.Length).Where(e => lambda.Length == 1 || e / plane % c == t).Select(e => x.Data[e]).ToArray();
                    Assert.Equal(QcfsThresholdInit.BestThreshold(values, 2)!.Value, lambda[t]);
                }
            }
            x = network.Layers[i].Forward(x, ForwardContext.Eval);
        }
        Assert.NotEqual(8f, ((QcfsLayer)network.Layers[6]).Threshold.Value.Data[0]);
    }

    [Fact]
    public void Only_QCFS_layers_can_be_initialised()
    {
        var network = new Network("t", [new FlattenSpec(), new LinearSpec(4, 2), new QcfsSpec(2), new LinearSpec(2, 2)], [1, 2, 2], new Random(1));
        var data = new ImageDataset("t", new byte[8], new byte[2], 1, 2, 2, ["a", "b"]);
        Assert.Throws<ArgumentException>(() => QcfsThresholdInit.FromActivations(network, [1], data, [0, 1]));
        Assert.Throws<ArgumentException>(() => QcfsThresholdInit.FromActivations(network, [2], data, []));
    }
}
