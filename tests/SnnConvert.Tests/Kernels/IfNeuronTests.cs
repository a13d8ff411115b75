using SnnConvert.Snn;
using Xunit;
using SnnConvert.Kernels;

namespace SnnConvert.Tests.Kernels;

/// <summary>
/// Integrate-and-fire closed forms. Values are exact binary fractions (I = 3/4, theta = 1, ...), so every membrane
/// value is exact in float32 and the comparison with the closed form has no rounding slack.
/// </summary>
public class IfNeuronTests
{
    /// <summary>Steps one neuron <paramref name="steps"/> times with constant input; returns spike steps (1-based) and the final membrane.</summary>
    private static (List<int> SpikeSteps, float Membrane) Run(float current, float theta, int steps, ResetMode reset, InitialMembrane initial = InitialMembrane.Zero)
    {
        float[] membrane = new float[1], spikes = new float[1], thresholds = [theta];
        IfNeuron.Initialise(membrane, thresholds, 1, initial == InitialMembrane.HalfThreshold);
        var spikeSteps = new List<int>();
        for (int t = 1; t <= steps; t++)
        {
            int fired = IfNeuron.Step([current], membrane, thresholds, spikes, 1, reset == ResetMode.Soft);
            Assert.Equal(spikes[0] == 1f ? 1 : 0, fired);
            Assert.True(spikes[0] is 0f or 1f);
            if (fired == 1) spikeSteps.Add(t);
        }
        return (spikeSteps, membrane[0]);
    }

    [Theory]
    [InlineData(0.25f, 1f)]
    [InlineData(0.75f, 1f)]
    [InlineData(3f, 4f)]
    [InlineData(0.375f, 0.5f)]
    [InlineData(5f, 8f)]
    [InlineData(1f, 1f)]
    [InlineData(0f, 1f)]
    [InlineData(-0.5f, 1f)]
    public void Soft_reset_fires_floor_of_t_I_over_theta_times_and_keeps_the_remainder(float current, float theta)
    {
        // v(t) = t I - n(t) theta stays in [0, theta) for 0 <= I <= theta, so n(t) = floor(t I / theta), v(t) = t I - n(t) theta.
        for (int t = 1; t <= 40; t++)
        {
            var (spikeSteps, membrane) = Run(current, theta, t, ResetMode.Soft);
            int expected = (int)Math.Floor(Math.Max(0, t * (double)current / theta));
            Assert.Equal(expected, spikeSteps.Count);
            Assert.Equal(t * (double)current - expected * (double)theta, membrane);
        }
    }

    [Theory]
    [InlineData(1.5f, 1f)]
    [InlineData(3f, 1f)]
    [InlineData(5f, 4f)]
    public void Soft_reset_with_input_above_threshold_fires_once_per_step_and_the_surplus_accumulates(float current, float theta)
    {
        // A neuron emits at most one spike per step and subtracts theta once, so for I > theta it fires at every
        // step (t spikes, not floor(t I / theta)) and v(t) = t (I - theta) grows: the rate code saturates at 1.
        for (int t = 1; t <= 20; t++)
        {
            var (spikeSteps, membrane) = Run(current, theta, t, ResetMode.Soft);
            Assert.Equal(Enumerable.Range(1, t), spikeSteps);
            Assert.Equal(t * ((double)current - theta), membrane);
        }
    }

    [Fact]
    public void Soft_and_hard_reset_differ_as_expected_for_three_quarters()
    {
        // Soft: v = 0.75, 1.5 -> 0.5, 1.25 -> 0.25, 1.0 -> 0, 0.75, ...: spikes at 2, 3, 4, 6, 7, 8, ... = floor(0.75 t).
        var (soft, _) = Run(0.75f, 1f, 12, ResetMode.Soft);
        Assert.Equal([2, 3, 4, 6, 7, 8, 10, 11, 12], soft);
        // Hard: v = 0.75, 1.5 -> 0, 0.75, 1.5 -> 0, ...: every second step, the surplus 0.5 is lost.
        var (hard, membrane) = Run(0.75f, 1f, 12, ResetMode.Hard);
        Assert.Equal([2, 4, 6, 8, 10, 12], hard);
        Assert.Equal(0f, membrane);
    }

    [Theory]
    [InlineData(0.25f, 1f)]
    [InlineData(0.75f, 1f)]
    [InlineData(3f, 4f)]
    [InlineData(0.375f, 1f)]
    [InlineData(1f, 1f)]
    [InlineData(2f, 1f)]
    public void Hard_reset_fires_every_ceil_theta_over_I_steps(float current, float theta)
    {
        // After a reset to 0 the neuron needs k = ceil(theta / I) steps to reach theta again.
        int k = (int)Math.Ceiling(theta / (double)current);
        for (int t = 1; t <= 30; t++)
        {
            var (spikeSteps, membrane) = Run(current, theta, t, ResetMode.Hard);
            Assert.Equal(Enumerable.Range(1, t / k).Select(i => i * k), spikeSteps);
            Assert.Equal((t % k) * (double)current, membrane);
        }
    }

    [Theory]
    [InlineData(0.25f, 1f)]
    [InlineData(0.75f, 1f)]
    [InlineData(3f, 4f)]
    [InlineData(0.375f, 0.5f)]
    [InlineData(0.125f, 1f)]
    public void Half_threshold_start_rounds_t_I_over_theta_instead_of_flooring(float current, float theta)
    {
        // v(0) = theta / 2: v(t) = theta / 2 + t I - n theta in [0, theta), so n(t) = floor(t I / theta + 1/2), i.e.
        // t I / theta rounded to nearest with halves rounded up (v = theta fires).
        for (int t = 1; t <= 40; t++)
        {
            var (spikeSteps, membrane) = Run(current, theta, t, ResetMode.Soft, InitialMembrane.HalfThreshold);
            int expected = (int)Math.Floor(t * (double)current / theta + 0.5);
            Assert.Equal(expected, spikeSteps.Count);
            Assert.Equal(theta / 2.0 + t * (double)current - expected * (double)theta, membrane);
        }
        // And it differs from the zero start where the fraction is at least one half, e.g. t I / theta = 0.75 at some t.
        Assert.NotEqual(Run(current, theta, 40, ResetMode.Soft, InitialMembrane.HalfThreshold).SpikeSteps, Run(current, theta, 40, ResetMode.Soft).SpikeSteps);
    }

    [Fact]
    public void Per_channel_thresholds_apply_to_their_channel_of_an_N_C_S_block()
    {
        // N = 2 samples, C = 3 channels, S = 2 values per channel; thresholds 1, 2, 4 and a constant input 1:
        // channel 0 fires every step, channel 1 every 2nd, channel 2 every 4th, in both samples.
        const int n = 2, c = 3, s = 2;
        float[] thresholds = [1f, 2f, 4f];
        float[] current = Enumerable.Repeat(1f, n * c * s).ToArray();
        float[] membrane = new float[n * c * s], spikes = new float[n * c * s];
        IfNeuron.Initialise(membrane, thresholds, s, halfThreshold: false);
        int[] period = [1, 2, 4];
        for (int t = 1; t <= 8; t++)
        {
            int fired = IfNeuron.Step(current, membrane, thresholds, spikes, s, softReset: true);
            int expectedCount = 0;
            for (int i = 0; i < n * c * s; i++)
            {
                int channel = i / s % c;
                bool fires = t % period[channel] == 0;
                expectedCount += fires ? 1 : 0;
                Assert.Equal(fires ? 1f : 0f, spikes[i]);
                Assert.Equal((float)(t % period[channel]), membrane[i]);
            }
            Assert.Equal(expectedCount, fired);
        }
    }

    [Fact]
    public void A_single_threshold_broadcasts_to_every_channel()
    {
        float[] current = [0.25f, 0.5f, 0.75f, 1f, 0.125f, 0f];   // N = 1, C = 3, S = 2
        float[] membrane = new float[6], spikes = new float[6];
        var counts = new int[6];
        int total = 0;
        for (int t = 1; t <= 16; t++)
        {
            total += IfNeuron.Step(current, membrane, [1f], spikes, 2, softReset: true);
            for (int i = 0; i < 6; i++) counts[i] += (int)spikes[i];
        }
        Assert.Equal([4, 8, 12, 16, 2, 0], counts);   // floor(16 I / 1)
        Assert.Equal(counts.Sum(), total);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 0f], membrane);   // 16 I is an integer for every I here
    }

    [Fact]
    public void Varying_input_per_element_integrates_independently_with_per_channel_thresholds()
    {
        // C = 2 channels of S = 3 values; thresholds 0.5 and 2. Inputs differ per element and per step.
        float[] thresholds = [0.5f, 2f];
        float[] membrane = new float[6], spikes = new float[6];
        double[] v = new double[6];
        for (int t = 1; t <= 10; t++)
        {
            float[] current = Enumerable.Range(0, 6).Select(i => (float)(((i * 3 + t * 5) % 7 - 2) / 8.0)).ToArray();
            int fired = IfNeuron.Step(current, membrane, thresholds, spikes, 3, softReset: true);
            int expectedFired = 0;
            for (int i = 0; i < 6; i++)
            {
                double theta = thresholds[i / 3];
                v[i] += current[i];
                bool fire = v[i] >= theta;
                if (fire) { v[i] -= theta; expectedFired++; }
                Assert.Equal(fire ? 1f : 0f, spikes[i]);
                Assert.Equal(v[i], membrane[i]);
            }
            Assert.Equal(expectedFired, fired);
        }
    }

    [Fact]
    public void Initialise_sets_half_the_channel_threshold_or_zero()
    {
        float[] membrane = Enumerable.Repeat(9f, 8).ToArray();   // N = 2, C = 2, S = 2
        IfNeuron.Initialise(membrane, [1f, 3f], 2, halfThreshold: true);
        Assert.Equal([0.5f, 0.5f, 1.5f, 1.5f, 0.5f, 0.5f, 1.5f, 1.5f], membrane);
        IfNeuron.Initialise(membrane, [4f], 2, halfThreshold: true);
        Assert.All(membrane, m => Assert.Equal(2f, m));
        IfNeuron.Initialise(membrane, [1f, 3f], 2, halfThreshold: false);
        Assert.All(membrane, m => Assert.Equal(0f, m));
    }
}
