using SnnConvert.Conversion;
using SnnConvert.Layers;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Max-current with per-channel thresholds warns when a layer after a convolution has a bias.</summary>
public class PerChannelBiasWarningTests
{
    private static SpikingNetwork Template(bool batchNorm) => SnnTemplateBuilder.Build(SnnTemplateBuilderTests.Model(
        batchNorm
            ? [new Conv2dSpec(1, 4, 3), new BatchNorm2dSpec(4), new ReluSpec(), new Conv2dSpec(4, 4, 3), new BatchNorm2dSpec(4), new ReluSpec(), new FlattenSpec(), new LinearSpec(64, 10)]
            : [new Conv2dSpec(1, 4, 3), new ReluSpec(), new Conv2dSpec(4, 4, 3), new ReluSpec(), new FlattenSpec(), new LinearSpec(64, 10)],
        [1, 8, 8])).Network;

    [Fact]
    public void Folded_batch_norm_with_channel_thresholds_warns_and_names_the_layer()
    {
        string? warning = SnnConverter.PerChannelBiasWarning(Template(batchNorm: true), new MaxCurrentThresholds());
        Assert.NotNull(warning);
        Assert.StartsWith("layer 1 (conv2d 4->4 3x3 +bias", warning);   // the SNN's stage: ReLU and batch norm are gone
        Assert.Contains("[input rescaling] compensates", warning);
    }

    [Fact]
    public void No_warning_when_rescaled_layer_wise_another_method_or_no_bias()
    {
        SpikingNetwork biased = Template(batchNorm: true);
        Assert.Null(SnnConverter.PerChannelBiasWarning(biased, new MaxCurrentThresholds(RescaleInputs: true)));
        Assert.Null(SnnConverter.PerChannelBiasWarning(biased, new MaxCurrentThresholds(ThresholdGranularity.Layer)));
        Assert.Null(SnnConverter.PerChannelBiasWarning(biased, new MaxActivationThresholds()));
        Assert.Null(SnnConverter.PerChannelBiasWarning(Template(batchNorm: false), new MaxCurrentThresholds()));
    }
}
