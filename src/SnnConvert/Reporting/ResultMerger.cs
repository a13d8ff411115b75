using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// Checks that partial results are exactly one of each shard of one run and combines them into that run's result, the
/// same whatever the order the parts are given in.
/// </summary>
public static class ResultMerger
{
    /// <summary>Reads and checks the parts, and returns them ordered by shard.</summary>
    /// <exception cref="PartialResultFormatException">A part is unreadable or cut short.</exception>
    /// <exception cref="ShardMismatchException">Parts come from different runs (model, .snn, settings, shard count).</exception>
    /// <exception cref="ShardSetException">A shard is missing or given twice.</exception>
    public static IReadOnlyList<(string Path, PartialResult Part)> Load(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new ShardSetException("no partial results given; name the file of every shard");
        var parts = paths.Select(p => (Path: p, Part: PartialResult.Read(p))).ToArray();
        var (firstPath, first) = parts[0];
        foreach (var (path, part) in parts.Skip(1))
        {
            if (part.Kind != first.Kind)
                throw new ShardMismatchException($"{path} is a partial result of {part.Kind}, {firstPath} of {first.Kind}; merge parts of one run");
            if (part.Shards != first.Shards)
                throw new ShardMismatchException($"{path} is shard {part.Shard}/{part.Shards} but {firstPath} is shard {first.Shard}/{first.Shards}: " +
                    "parts of runs split into different numbers of shards");
            var differences = first.Fingerprint.Keys.Union(part.Fingerprint.Keys)
                .Select(key => (key, a: first.Fingerprint.GetValueOrDefault(key, "(none)"), b: part.Fingerprint.GetValueOrDefault(key, "(none)")))
                .Where(d => d.a != d.b).Select(d => $"their {d.key} differs ({d.b} versus {d.a})").ToArray();
            if (differences.Length > 0)
                throw new ShardMismatchException($"{path} and {firstPath} are not parts of one run: {string.Join("; ", differences)}");
            if (part.TotalImages != first.TotalImages)
                throw new ShardMismatchException($"{path} and {firstPath} are not parts of one run: {part.TotalImages} versus {first.TotalImages} test images");
        }
        var duplicates = parts.GroupBy(p => p.Part.Shard).Where(g => g.Count() > 1).ToArray();
        if (duplicates.Length > 0)
            throw new ShardSetException(string.Join("; ", duplicates.Select(g => $"shard {g.Key}/{first.Shards} is given twice ({string.Join(", ", g.Select(p => p.Path))})")) +
                "; give each shard once");
        var missing = Enumerable.Range(0, first.Shards).Except(parts.Select(p => p.Part.Shard)).ToArray();
        if (missing.Length > 0)
            throw new ShardSetException($"shard{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing)} of 0..{first.Shards - 1} " +
                $"{(missing.Length > 1 ? "are" : "is")} missing: {parts.Length} of {first.Shards} partial results given");
        foreach (var (path, part) in parts)
        {
            int batch = int.Parse(part.Fingerprint.GetValueOrDefault("batch size", "0"), System.Globalization.CultureInfo.InvariantCulture);
            ShardAxis by = part.Fingerprint.GetValueOrDefault("shard by") == "methods" ? ShardAxis.Methods : ShardAxis.Images;
            ImageRange expected = batch > 0 ? new ShardSpec(part.Shard, part.Shards, by).Images(part.TotalImages, batch) : default;
            if (batch <= 0 || expected != new ImageRange(part.FirstImage, part.EndImage))
                throw new PartialResultFormatException($"{path}: shard {part.Shard}/{part.Shards} covers images [{part.FirstImage}, {part.EndImage}), " +
                    $"expected [{expected.Start}, {expected.End}); the file is damaged");
        }
        return [.. parts.OrderBy(p => p.Part.Shard)];
    }

    /// <summary>The simulate run of the checked, ordered <paramref name="parts"/>: its report, the .snn path and the method.</summary>
    public static (SimulationReport Report, string Snn, string? Method) MergeSimulate(IReadOnlyList<(string Path, PartialResult Part)> parts)
    {
        var sims = new List<PartialSimulation>();
        foreach (var (path, part) in parts)
        {
            SimulatePartial s = part.Simulate ?? throw new PartialResultFormatException($"{path}: not a partial result of simulate");
            s.Simulation.CheckShape(path);
            if (s.Simulation.Images != part.EndImage - part.FirstImage)
                throw new PartialResultFormatException($"{path}: {s.Simulation.Images} images simulated, but the shard covers {part.EndImage - part.FirstImage}");
            sims.Add(s.Simulation);
        }
        var (result, cnnAccuracy) = PartialSimulation.Merge(sims, i => parts[i].Path);
        SimulatePartial head = parts[0].Part.Simulate!;
        return (SimulationReport.From(result, head.Timesteps, cnnAccuracy), head.Snn, head.Method);
    }

    /// <summary>The reproduce or compare run of the checked, ordered <paramref name="parts"/>.</summary>
    public static ReproductionReport MergeReproduce(IReadOnlyList<(string Path, PartialResult Part)> parts)
    {
        var partials = new List<ReproducePartial>();
        foreach (var (path, part) in parts)
        {
            ReproducePartial r = part.Reproduce ?? throw new PartialResultFormatException($"{path}: not a partial result of reproduce or compare");
            foreach (MethodPartial m in r.Methods)
            {
                m.Simulation.CheckShape(path);
                if (m.Simulation.Images != part.EndImage - part.FirstImage)
                    throw new PartialResultFormatException($"{path}: {m.Label}: {m.Simulation.Images} images simulated, but the shard covers {part.EndImage - part.FirstImage}");
            }
            partials.Add(r);
        }
        return ReproductionShard.Merge(partials, i => parts[i].Path);
    }
}
