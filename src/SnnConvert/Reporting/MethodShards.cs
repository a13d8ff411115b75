using SnnConvert.Errors;

namespace SnnConvert.Reporting;

/// <summary>
/// The merge of a reproduction whose shards split the methods (<see cref="ShardAxis.Methods"/>): each method's results
/// come whole from the one shard that ran it, and the methods are put back in the run's order.
/// </summary>
internal static class MethodShards
{
    /// <summary>The whole run's report from its shards' partials (ordered by shard); wall times as in <see cref="ReproductionShard.Merge"/>.</summary>
    public static ReproductionReport Merge(IReadOnlyList<ReproducePartial> parts, Func<int, string> source)
    {
        ReproducePartial head = parts[0];
        var methods = new List<MethodResult>();
        double? cnnAccuracy = null;
        for (int i = 0; i < parts.Count; i++)
        {
            int part = i;
            foreach (MethodPartial m in parts[i].Methods)
            {
                // One shard's sums over all images, added as the unsharded run adds them: the same bits.
                var (result, accuracy) = PartialSimulation.Merge([m.Simulation], _ => source(part));
                // A row converting another CNN (QcfsRow) has that CNN's accuracy, not the run's.
                if (m.Cnn is null)
                {
                    if (cnnAccuracy is not null && accuracy != cnnAccuracy)
                        throw new ShardMismatchException($"{source(part)}: the CNN's accuracy is {accuracy}, in another part {cnnAccuracy}; parts of different runs");
                    cnnAccuracy = accuracy;
                }
                methods.Add(new MethodResult(m.Label, m.Method, m.Granularity, m.Percentile, m.RescaleInputs, m.CalibrationSeconds, m.SimulationSeconds,
                    m.Warnings, m.Thresholds, SimulationReport.From(result, head.Settings.Timesteps, accuracy), m.TargetSteps, m.PostCalibration,
                    m.Cnn?.WithAccuracy(accuracy)));
            }
        }
        string[] labels = [.. methods.Select(m => m.Label)];
        if (!labels.SequenceEqual(head.RunMethods!))
            throw new PartialResultFormatException($"the parts hold the methods {string.Join(", ", labels)}, but the run has {string.Join(", ", head.RunMethods!)}; " +
                "a part is damaged");
        var firstReport = methods.First(m => m.Cnn is null).Report;
        RunInfo run = head.Run with { CnnSeconds = parts.Sum(p => p.Run.CnnSeconds), TotalSeconds = parts.Sum(p => p.Run.TotalSeconds) };
        return new ReproductionReport(1, head.Dataset, head.Model, head.Network, head.Settings, cnnAccuracy ?? 0, firstReport.CnnMacsPerImage,
            firstReport.CnnEnergyMicrojoules, methods, run);
    }
}
