using SnnConvert.Conversion;
using SnnConvert.Errors;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public class ThresholdMethodsTests
{
    [Fact]
    public void Names_create_the_methods_with_their_documented_defaults()
    {
        Assert.Equal(new MaxCurrentThresholds(ThresholdGranularity.Channel, 100, RescaleInputs: true), ThresholdMethods.Create("max-current"));
        Assert.Equal(new MaxCurrentThresholds(ThresholdGranularity.Layer, 99.5, RescaleInputs: false),
            ThresholdMethods.Create("max-current", 99.5, ThresholdGranularity.Layer, asWritten: true));
        Assert.Equal(MaxCurrentThresholds.AsWritten, ThresholdMethods.Create("max-current", asWritten: true));
        Assert.Equal(new PercentileThresholds(99.9), ThresholdMethods.Create("percentile"));
        Assert.Equal(new PercentileThresholds(99), ThresholdMethods.Create("percentile", 99));
        Assert.IsType<MaxActivationThresholds>(ThresholdMethods.Create("max-activation"));
        Assert.IsType<SpikeNormThresholds>(ThresholdMethods.Create("spike-norm"));
        Assert.IsType<ChannelMaxActivationThresholds>(ThresholdMethods.Create("channel-max-activation"));
        Assert.All(ThresholdMethods.Names, name => Assert.Equal(name, ThresholdMethods.Create(name).Name));
    }

    [Theory]
    [InlineData("max-current", 0.0)]
    [InlineData("percentile", 100.5)]
    [InlineData("percentile", -1.0)]
    [InlineData("percentile", double.NaN)]
    public void Percentiles_outside_0_to_100_are_refused(string name, double percentile)
    {
        var e = Assert.Throws<InvalidSettingException>(() => ThresholdMethods.Create(name, percentile));
        Assert.Equal(SettingNames.Percentile, e.Setting);
        Assert.DoesNotContain("--", e.Message);
    }

    [Fact]
    public void An_unknown_name_is_refused_listing_the_known_ones()
    {
        var e = Assert.Throws<InvalidSettingException>(() => ThresholdMethods.Create("max-voltage"));
        Assert.All(ThresholdMethods.Names, name => Assert.Contains(name, e.Message));
    }
}
