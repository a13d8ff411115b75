using SnnConvert.Data;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Training;

/// <summary>
/// <see cref="QcfsThresholdInit"/>: the percentile of the positive inputs of each QCFS layer (per layer or per
/// channel), against sorted values; layers set from the input up, each seeing the quantised output of the ones below.
/// </summary>
public class QcfsThresholdInitTests
{
    [Fact]
    public void The_percentile_of_the_positive_values_interpolates_between_order_statistics()
    {
        // 1..1000 shuffled among zeros and negatives: rank 0.999 * 999 = 998.001 -> 999 + 0.001 * (1000 - 999).
        var values = new List<float>();
        for (int i = 1; i <= 1000; i++) values.AddRange([i, 0f, -i]);
        var rng = new Random(1);
        float[] shuffled = values.OrderBy(_ => rng.Next()).ToArray();
        Assert.Equal(999.001f, QcfsThresholdInit.PositivePercentile(shuffled, 99.9)!.Value, 3);
        Assert.Equal(1000f, QcfsThresholdInit.PositivePercentile(shuffled, 100)!.Value);
        Assert.Equal(500.5f, QcfsThresholdInit.PositivePercentile(shuffled, 50)!.Value);
        Assert.Null(QcfsThresholdInit.PositivePercentile([0f, -1f], 99.9));
    }

    [Fact]
    public void Per_channel_thresholds_come_from_their_channel_and_a_silent_channel_gets_the_layer_value()
    {
        // Input (2, 3, 2, 2): channel 0 holds 1..8, channel 1 holds 10..80, channel 2 nothing positive.
        var input = new Tensor(2, 3, 2, 2);
        for (int n = 0; n < 2; n++)
            for (int p = 0; p < 4; p++)
            {
                input.Data[(n * 3 + 0) * 4 + p] = 1 + n * 4 + p;
                input.Data[(n * 3 + 1) * 4 + p] = 10 * (1 + n * 4 + p);
                input.Data[(n * 3 + 2) * 4 + p] = -1;
            }
        var perChannel = (QcfsLayer)new QcfsSpec(4, 3).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(perChannel, input, 100);
        float whole = QcfsThresholdInit.PositivePercentile(input.Span, 100)!.Value;
        Assert.Equal([8f, 80f, whole], perChannel.Threshold.Value.Data);
        var perLayer = (QcfsLayer)new QcfsSpec(4).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(perLayer, input, 50);
        float[] positive = input.Data.Where(v => v > 0).Order().ToArray();
        Assert.Equal((positive[7] + positive[8]) / 2, perLayer.Threshold.Value.Data[0], 4);
        var silent = (QcfsLayer)new QcfsSpec(4).Build(new Random(0));
        QcfsThresholdInit.SetThresholds(silent, new Tensor(2, 3, 2, 2), 99.9);
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
                    float[] sorted = Enumerable.Range(0, x.Length)
                        .Where(e => lambda.Length == 1 || e / plane % c == t).Select(e => x.Data[e]).Where(v => v > 0).Order().ToArray();
                    double rank = 0.999 * (sorted.Length - 1);
                    int lo = (int)rank;
                    double expected = sorted[lo] + (rank - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]);
                    Assert.Equal(expected, lambda[t], 4);
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
        Assert.Throws<ArgumentOutOfRangeException>(() => QcfsThresholdInit.FromActivations(network, [2], data, [0], percentile: 0));
    }
}
