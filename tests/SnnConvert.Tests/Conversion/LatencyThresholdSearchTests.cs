using SnnConvert.Conversion;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>
/// Thresholds for a target latency: the histogram search against an exact brute-force search over the values, a
/// closed-form optimum, and the guarantee that the maximum is never beaten in the wrong direction.
/// </summary>
public class LatencyThresholdSearchTests
{
    // The T-step image of a, written out independently of LatencyTarget.Image.
    private static double ExactError(double[] values, double theta, int steps, bool rounding)
    {
        double sum = 0;
        int n = 0;
        foreach (double a in values)
        {
            if (a <= 0) continue;
            double k = Math.Floor(a * steps / theta + (rounding ? 0.5 : 0));
            if (k < 0) k = 0;
            if (k > steps) k = steps;
            double e = a - theta * k / steps;
            sum += e * e;
            n++;
        }
        return sum / n;
    }

    private static ChannelStatistics Statistics(double[] values)
    {
        var stats = new ChannelStatistics(1, percentiles: true);
        stats.Add(values.Select(v => (float)v).ToArray(), 1, values.Length);
        return stats;
    }

    private static double[] Random(int seed, int n, string kind)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return Enumerable.Range(0, n).Select(_ => kind switch
        {
            "lognormal" => Math.Exp(0.7 * Normal()),
            "halfnormal" => Math.Abs(Normal()) * 2.5,
            "relu" => Math.Max(0, Normal() + 0.3),        // currents: many values at or below zero
            _ => -Math.Log(1 - random.NextDouble()),     // exponential: a long tail
        }).Select(v => (double)(float)v).ToArray();
    }

    [Theory]
    [InlineData(4, false)]   // floor: theta* = M T / (T + 1) = 0.8 M
    [InlineData(2, true)]    // rounding (theta/2 start): theta* = M 2T / (2T + 1) = 0.8 M
    public void Uniform_values_have_the_closed_form_optimum(int steps, bool rounding)
    {
        // E(theta) = [theta (theta/T)^2 / c + (M - theta)^3 / 3] / M with c = 3 (floor) or 12 (rounding): zero derivative
        // at theta/T = M - theta (floor) or theta/(2T) = M - theta (rounding).
        const int n = 200_000;
        const double m = 3.0;
        double[] values = Enumerable.Range(0, n).Select(i => (double)(float)((i + 0.5) / n * m)).ToArray();
        var (threshold, fraction) = LatencyThresholdSearch.Choose(Statistics(values), 0, new LatencyTarget(steps, rounding));
        Assert.Equal(0.80, fraction!.Value, 6);
        Assert.Equal(0.8 * m, threshold, 3);
    }

    [Theory]
    [InlineData("lognormal", 2, false)]
    [InlineData("lognormal", 8, true)]
    [InlineData("exponential", 4, false)]
    [InlineData("exponential", 16, true)]
    [InlineData("halfnormal", 8, false)]
    [InlineData("relu", 4, false)]
    [InlineData("relu", 32, true)]
    public void The_histogram_search_agrees_with_an_exact_brute_force_search(string kind, int steps, bool rounding)
    {
        double[] values = Random(steps * 31 + kind.Length, 50_000, kind);
        var target = new LatencyTarget(steps, rounding);
        var (threshold, _) = LatencyThresholdSearch.Choose(Statistics(values), 0, target);

        // Brute force on the exact values over the same candidates: exact percentiles (nearest rank) and fractions of the maximum.
        double[] positive = values.Where(v => v > 0).Order().ToArray();
        double max = positive[^1];
        var candidates = LatencyThresholdSearch.Percentiles.Select(p => positive[Math.Max(0, (int)Math.Ceiling(p / 100 * positive.Length) - 1)])
            .Concat(LatencyThresholdSearch.Fractions.Select(f => f * max));
        double best = candidates.Min(t => ExactError(values, t, steps, rounding));
        // A full search (every 0.1 % of the maximum from 1 %) bounds what any candidate set can reach.
        double full = Enumerable.Range(10, 991).Min(i => ExactError(values, i / 1000.0 * max, steps, rounding));

        double chosen = ExactError(values, threshold, steps, rounding);
        Assert.True(chosen <= best * 1.02, $"exact error {chosen:G5} at the chosen {threshold:G5}, brute force over the candidates {best:G5}");
        Assert.True(chosen <= full * 1.15, $"exact error {chosen:G5}, full search {full:G5}");
        // The histogram's estimate of the error is the exact one within its resolution.
        double estimate = LatencyThresholdSearch.ExpectedSquaredError(Statistics(values).Histogram(0), threshold, target);
        Assert.True(Math.Abs(estimate - chosen) <= 0.03 * chosen, $"histogram estimate {estimate:G5}, exact {chosen:G5}");
    }

    [Fact]
    public void The_chosen_threshold_never_errs_more_than_the_maximum()
    {
        foreach (string kind in new[] { "lognormal", "exponential", "halfnormal", "relu" })
            foreach (int steps in new[] { 1, 2, 4, 8, 16, 32, 64, 256 })
                foreach (bool rounding in new[] { false, true })
                {
                    double[] values = Random(steps + kind.Length, 20_000, kind);
                    ChannelStatistics stats = Statistics(values);
                    var target = new LatencyTarget(steps, rounding);
                    var (threshold, fraction) = LatencyThresholdSearch.Choose(stats, 0, target);
                    float max = stats.Max(0);
                    Assert.InRange(fraction!.Value, 1e-9, 1.0);
                    Assert.True(LatencyThresholdSearch.ExpectedSquaredError(stats.Histogram(0), threshold, target) <=
                        LatencyThresholdSearch.ExpectedSquaredError(stats.Histogram(0), max, target), $"{kind} T={steps} rounding={rounding}");
                    Assert.True(ExactError(values, threshold, steps, rounding) <= ExactError(values, max, steps, rounding) * 1.01,
                        $"{kind} T={steps} rounding={rounding}: exact error above the maximum's");
                }
    }

    [Fact]
    public void A_group_without_positive_values_gets_no_threshold_and_no_fraction()
    {
        var stats = new ChannelStatistics(2, percentiles: true);
        stats.Add([1f, -1f, 2f, 0f, 3f, -2f], 2, 1);   // (N=3, C=2, S=1): channel 1 never positive
        Assert.Equal((0f, (double?)null), LatencyThresholdSearch.Choose(stats, 1, new LatencyTarget(4, false)));
        var (raw, fraction) = LatencyThresholdSearch.Thresholds(stats, 100, new LatencyTarget(4, false));
        Assert.Equal(0f, raw[1]);
        Assert.Equal(LatencyThresholdSearch.Choose(stats, 0, new LatencyTarget(4, false)).Fraction, fraction);
    }
}
