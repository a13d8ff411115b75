using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;

namespace SnnConvert.Tests.Conversion;

public class SpikeNormThresholdsTests
{
    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 4)]
    public void Thresholds_are_the_per_layer_maximum_current_under_the_replicated_rate_code(int seed, int batch)
    {
        // Rate-coded calibration: pixel p of image i spikes at step t when counter-based draw t * P + p under
        // InputEncoder.RateKey(seed, i) is below it (replicated by the reference, which draws every pixel). With 0/1 input spikes and dyadic weights the currents are exact.
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 12);
        ImageDataset data = TestNets.Grey(8, 1, 6, 6, 3, seed: 13);   // grey pixels: spike probabilities strictly between 0 and 1
        const int steps = 10;
        SpikingNetwork actual = new SpikeNormThresholds().Balance(template, new CalibrationSettings(data, steps, seed, batch));
        var (expected, _) = ReferenceCalibration.Sequential(template, data, steps, channelWise: false, InputEncoding.Rate, seed);
        foreach (int s in new[] { 0, 2, 4 })
        {
            float[] thresholds = ((SynapticLayer)actual.Layers[s]).Thresholds;
            Assert.Single(thresholds);   // one per layer, also for conv layers
            Assert.Equal(((SynapticLayer)expected.Layers[s]).Thresholds, thresholds);
            Assert.Equal(((SynapticLayer)template.Layers[s]).Weight, ((SynapticLayer)actual.Layers[s]).Weight);
        }
        Assert.Equal("spike-norm", actual.Conversion.Method);
        Assert.Equal("rate", actual.Conversion.CalibrationEncoding);
        Assert.Equal(steps, actual.Conversion.LayerRecords[0].CalibrationSteps);   // the first layer is not constant under rate input
    }

    [Fact]
    public void The_rate_code_matters_a_direct_input_reference_gives_other_thresholds()
    {
        // Guard against a vacuous replication: with grey pixels the rate-coded maximum of the first layer differs from the
        // direct-input one (0/1 spikes can put full weight on every positive tap at once).
        SpikingNetwork template = TestNets.DyadicConvTemplate(seed: 12);
        ImageDataset data = TestNets.Grey(8, 1, 6, 6, 3, seed: 13);
        var (rate, _) = ReferenceCalibration.Sequential(template, data, 10, false, InputEncoding.Rate, 1);
        var (direct, _) = ReferenceCalibration.Sequential(template, data, 10, false, InputEncoding.Direct, 1);
        Assert.NotEqual(((SynapticLayer)direct.Layers[0]).Thresholds, ((SynapticLayer)rate.Layers[0]).Thresholds);
        SpikingNetwork actual = new SpikeNormThresholds().Balance(template, new CalibrationSettings(data, 10, 1));
        Assert.NotEqual(((SynapticLayer)direct.Layers[0]).Thresholds, ((SynapticLayer)actual.Layers[0]).Thresholds);
    }
}
