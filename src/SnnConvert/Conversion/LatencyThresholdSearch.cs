namespace SnnConvert.Conversion;

/// <summary>
/// Thresholds for a target latency (Li et al. 2021, "A Free Lunch From ANN: Towards Efficient, Accurate Spiking
/// Neural Networks Calibration", ICML): of a set of candidates, the threshold that minimises the expected squared
/// error between the recorded values a (currents or activations) and their T-step image
/// (<see cref="LatencyTarget.Image"/>). The maximum minimises only the clipping error; a lower threshold trades
/// clipping for a finer quantisation step theta/T, which pays at low T. The error is summed over the group's
/// histogram (<see cref="ChannelStatistics.Histogram"/>: 1.1 % relative bin width), never over stored values. Values at
/// or below zero add nothing: the ANN's ReLU and the neuron's output are both zero there, at every threshold.
/// </summary>
public static class LatencyThresholdSearch
{
    /// <summary>Percentiles of the positive values tried as thresholds (100 is the maximum).</summary>
    public static IReadOnlyList<double> Percentiles { get; } = [90, 95, 98, 99, 99.5, 99.9, 99.99, 100];

    /// <summary>
    /// Fractions of the maximum tried as thresholds: 0.05, 0.10, ..., 1.00 (a heavy tail, such as a rare large current,
    /// puts the optimum at low T far below the maximum).
    /// </summary>
    public static IReadOnlyList<double> Fractions { get; } = Enumerable.Range(1, 20).Select(i => Math.Round(0.05 * i, 2)).ToArray();

    /// <summary>
    /// The candidate threshold of <paramref name="group"/> with the least expected squared error at
    /// <paramref name="target"/>, and its fraction of the group's maximum; (0, null) when the group saw no positive
    /// value. Ties go to the larger threshold, so the maximum is kept unless a lower one is strictly better.
    /// </summary>
    /// <exception cref="InvalidOperationException">The statistics keep no histogram.</exception>
    public static (float Threshold, double? Fraction) Choose(ChannelStatistics stats, int group, LatencyTarget target)
    {
        if (stats.PositiveCount(group) == 0) return (0f, null);
        float max = stats.Max(group);
        (double Value, long Count)[] bins = stats.Histogram(group);
        var candidates = Percentiles.Select(p => stats.Percentile(group, p)).Concat(Fractions.Select(f => (float)(f * max)))
            .Where(t => t > 0f).Distinct().OrderDescending();
        float best = max;
        double bestError = double.PositiveInfinity;
        foreach (float threshold in candidates)
        {
            double error = ExpectedSquaredError(bins, threshold, target);
            if (error < bestError) (best, bestError) = (threshold, error);
        }
        return (best, best / (double)max);
    }

    /// <summary>
    /// One raw threshold per group of <paramref name="stats"/>: the <paramref name="percentile"/> of its positive
    /// values, or, with a <paramref name="target"/>, the error-minimising candidate (which replaces the percentile), with
    /// the mean fraction of the maximum over the groups that saw a positive value (null without a target or without any).
    /// </summary>
    public static (float[] Raw, double? Fraction) Thresholds(ChannelStatistics stats, double percentile, LatencyTarget? target)
    {
        if (target is null) return (Enumerable.Range(0, stats.Groups).Select(g => stats.Percentile(g, percentile)).ToArray(), null);
        var chosen = Enumerable.Range(0, stats.Groups).Select(g => Choose(stats, g, target)).ToArray();
        double[] fractions = chosen.Where(c => c.Fraction is not null).Select(c => c.Fraction!.Value).ToArray();
        return (chosen.Select(c => c.Threshold).ToArray(), fractions.Length > 0 ? fractions.Average() : null);
    }

    /// <summary>The mean of (a - image(a))^2 over the values of <paramref name="bins"/> (value, count) at <paramref name="threshold"/>.</summary>
    public static double ExpectedSquaredError(ReadOnlySpan<(double Value, long Count)> bins, double threshold, LatencyTarget target)
    {
        double sum = 0;
        long count = 0;
        foreach (var (value, n) in bins)
        {
            double e = value - target.Image(value, threshold);
            sum += n * e * e;
            count += n;
        }
        return count == 0 ? 0 : sum / count;
    }
}
