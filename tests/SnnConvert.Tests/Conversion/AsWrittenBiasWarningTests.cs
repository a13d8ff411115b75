using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Max-current as written (copied weights) warns when a weighted layer after the first has a bias.</summary>
public class AsWrittenBiasWarningTests
{
    private static SpikingNetwork Template(bool batchNorm) => SnnTemplateBuilder.Build(SnnTemplateBuilderTests.Model(
        batchNorm
            ? [new Conv2dSpec(1, 4, 3), new BatchNorm2dSpec(4), new ReluSpec(), new Conv2dSpec(4, 4, 3), new BatchNorm2dSpec(4), new ReluSpec(), new FlattenSpec(), new LinearSpec(64, 10)]
            : [new Conv2dSpec(1, 4, 3), new ReluSpec(), new Conv2dSpec(4, 4, 3), new ReluSpec(), new FlattenSpec(), new LinearSpec(64, 10)],
        [1, 8, 8])).Network;

    [Fact]
    public void Folded_batch_norm_as_written_warns_and_names_the_layer_and_the_setting()
    {
        string? warning = SnnConverter.AsWrittenBiasWarning(Template(batchNorm: true), MaxCurrentThresholds.AsWritten);
        Assert.NotNull(warning);
        Assert.StartsWith("layer 1 (conv2d 4->4 3x3 +bias", warning);   // the SNN's stage: ReLU and batch norm are gone
        Assert.Contains(SettingReference.To(SettingNames.AsWritten), warning);
        // Layer thresholds with copied weights leave the bias inconsistent too (by one factor per layer).
        Assert.NotNull(SnnConverter.AsWrittenBiasWarning(Template(batchNorm: true), new MaxCurrentThresholds(ThresholdGranularity.Layer, RescaleInputs: false)));
    }

    [Fact]
    public void No_warning_by_default_for_another_method_or_without_bias()
    {
        SpikingNetwork biased = Template(batchNorm: true);
        Assert.Null(SnnConverter.AsWrittenBiasWarning(biased, new MaxCurrentThresholds()));
        Assert.Null(SnnConverter.AsWrittenBiasWarning(biased, new MaxActivationThresholds()));
        Assert.Null(SnnConverter.AsWrittenBiasWarning(Template(batchNorm: false), MaxCurrentThresholds.AsWritten));
    }
}
