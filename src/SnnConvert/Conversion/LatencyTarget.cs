using SnnConvert.Errors;

namespace SnnConvert.Conversion;

/// <summary>
/// The latency the thresholds are chosen for (<see cref="LatencyThresholdSearch"/>): a value a that reaches an IF
/// neuron with threshold theta as a constant input for <paramref name="Steps"/> steps comes out as its clip-and-floor
/// image theta * clip(floor(a T / theta) / T, 0, 1); with a theta/2 initial membrane the floor becomes a rounding,
/// floor(a T / theta + 1/2) (Li et al. 2021, "A Free Lunch From ANN", ICML).
/// </summary>
/// <param name="Steps">T, the target latency.</param>
/// <param name="HalfThresholdStart">Whether the neurons start at theta/2 (rounding instead of floor).</param>
public sealed record LatencyTarget(int Steps, bool HalfThresholdStart)
{
    /// <summary>The output value of <paramref name="value"/> at threshold <paramref name="threshold"/> after <see cref="Steps"/> steps.</summary>
    public double Image(double value, double threshold)
    {
        double spikes = Math.Floor(value * Steps / threshold + (HalfThresholdStart ? 0.5 : 0.0));
        return threshold * Math.Clamp(spikes, 0, Steps) / Steps;
    }

    /// <summary>Throws <see cref="InvalidSettingException"/> when <see cref="Steps"/> is not positive.</summary>
    public void Validate()
    {
        if (Steps <= 0) throw new InvalidSettingException(SettingNames.TargetSteps, $"must be at least 1 time step, got {Steps}");
    }
}
