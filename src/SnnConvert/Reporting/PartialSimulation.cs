using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>A spiking stage's spikes at each step, summed over a shard's images.</summary>
/// <param name="Stage">Stage index.</param>
/// <param name="Name">Description of the stage.</param>
/// <param name="Neurons">Neurons per image.</param>
/// <param name="SpikesAtStep">Spikes at each step, over the shard's images.</param>
public sealed record PartialLayer(int Stage, string Name, long Neurons, long[] SpikesAtStep);

/// <summary>One batch's synaptic operations at each step (doubles, kept per batch so that the merge adds them in one fixed order).</summary>
/// <param name="Index">Global batch index (first image / batch size).</param>
/// <param name="LayerSynOps">Per spiking layer (in <see cref="PartialSimulation.Layers"/> order), the operations at each step.</param>
/// <param name="InputSynOps">The input spikes' operations at each step (rate coding).</param>
public sealed record PartialBatch(int Index, double[][] LayerSynOps, double[] InputSynOps);

/// <summary>
/// What one shard of a simulation measured, in a form whose merge is exact: integer counts summed over the shard's images
/// (correct and agreeing predictions per step, spikes per layer and step, the CNN's correct predictions), and the
/// synaptic operations of each batch. Integer sums do not depend on the order of the additions; the merge forms the
/// double sums batch by batch in ascending batch order, the additions <see cref="SnnSimulator"/> makes in one process,
/// so the merged result holds the same bits as the unsharded run's.
/// </summary>
/// <param name="Images">Images of the shard (0 for a shard without batches).</param>
/// <param name="Steps">Simulated steps.</param>
/// <param name="Encoding">Input encoding.</param>
/// <param name="CorrectAtStep">Correct predictions after each step.</param>
/// <param name="AgreementAtStep">Predictions equal to the CNN's after each step, or null without the CNN.</param>
/// <param name="CnnCorrect">The CNN's correct predictions on the shard's images, or null without the CNN.</param>
/// <param name="Layers">Per spiking stage, its spikes.</param>
/// <param name="InputSpikesAtStep">Input spikes at each step.</param>
/// <param name="FirstLayerMacs">MACs of the first weighted layer per image and step.</param>
/// <param name="CnnMacs">The CNN's MACs per image.</param>
/// <param name="Batches">The shard's batches, ascending.</param>
public sealed record PartialSimulation(int Images, int Steps, InputEncoding Encoding, long[] CorrectAtStep, long[]? AgreementAtStep, int? CnnCorrect,
    IReadOnlyList<PartialLayer> Layers, long[] InputSpikesAtStep, long FirstLayerMacs, long CnnMacs, IReadOnlyList<PartialBatch> Batches)
{
    /// <summary>The partial of a shard's <paramref name="result"/>, with the per-batch operations of <paramref name="ledger"/>.</summary>
    public static PartialSimulation From(SimulationResult result, SynOpsLedger ledger, int stages, int? cnnCorrect)
    {
        var layers = result.Layers.Select(l => new PartialLayer(l.Stage, l.Name, l.Neurons, l.SpikesAtStep)).ToArray();
        var batches = ledger.Batches.Select(b => new PartialBatch(b.Key, result.Layers.Select(l => b.Value[l.Stage]).ToArray(), b.Value[stages])).ToArray();
        return new PartialSimulation(result.Images, result.Steps, result.Encoding, result.CorrectAtStep, result.AgreementAtStep, cnnCorrect, layers,
            result.InputSpikesAtStep, result.FirstLayerMacs, result.CnnMacs, batches);
    }

    /// <summary>
    /// The result of the whole run from all its shards' partials (any order): counts summed, operations added batch by
    /// batch in ascending order; and the CNN's accuracy (percent) when the partials carry it. <paramref name="source"/>
    /// names each part in errors.
    /// </summary>
    public static (SimulationResult Result, double? CnnAccuracy) Merge(IReadOnlyList<PartialSimulation> parts, Func<int, string> source)
    {
        PartialSimulation first = parts[0];
        for (int p = 1; p < parts.Count; p++)
        {
            PartialSimulation part = parts[p];
            if (part.Steps != first.Steps || part.Encoding != first.Encoding || part.Layers.Count != first.Layers.Count
                || (part.AgreementAtStep is null) != (first.AgreementAtStep is null) || (part.CnnCorrect is null) != (first.CnnCorrect is null)
                || part.FirstLayerMacs != first.FirstLayerMacs || part.CnnMacs != first.CnnMacs
                || part.Layers.Zip(first.Layers).Any(l => l.First.Stage != l.Second.Stage || l.First.Name != l.Second.Name || l.First.Neurons != l.Second.Neurons))
                throw new ShardMismatchException($"{source(p)}: its simulation (steps, encoding, layers or CNN) differs from {source(0)}'s");
        }
        int steps = first.Steps, layerCount = first.Layers.Count;
        var correct = new long[steps];
        long[]? agreement = first.AgreementAtStep is null ? null : new long[steps];
        var inputSpikes = new long[steps];
        var spikes = Enumerable.Range(0, layerCount).Select(_ => new long[steps]).ToArray();
        int images = 0, cnnCorrect = 0;
        foreach (PartialSimulation part in parts)
        {
            images += part.Images;
            cnnCorrect += part.CnnCorrect ?? 0;
            Add(correct, part.CorrectAtStep);
            if (agreement is not null) Add(agreement, part.AgreementAtStep!);
            Add(inputSpikes, part.InputSpikesAtStep);
            for (int l = 0; l < layerCount; l++) Add(spikes[l], part.Layers[l].SpikesAtStep);
        }
        // The doubles: one addition per batch, in ascending global batch order, starting from 0 (as SnnSimulator adds).
        var synOps = Enumerable.Range(0, layerCount).Select(_ => new double[steps]).ToArray();
        var inputSynOps = new double[steps];
        foreach (PartialBatch batch in parts.SelectMany(p => p.Batches).OrderBy(b => b.Index))
        {
            for (int l = 0; l < layerCount; l++)
                for (int t = 0; t < steps; t++) synOps[l][t] += batch.LayerSynOps[l][t];
            for (int t = 0; t < steps; t++) inputSynOps[t] += batch.InputSynOps[t];
        }
        var layers = first.Layers.Select((l, i) => new LayerActivity(l.Stage, l.Name, l.Neurons, spikes[i], synOps[i])).ToArray();
        var result = new SimulationResult(images, steps, first.Encoding, correct, agreement, layers, inputSpikes, inputSynOps, first.FirstLayerMacs, first.CnnMacs);
        double? cnnAccuracy = first.CnnCorrect is null ? null : 100.0 * cnnCorrect / Math.Max(1, images);
        return (result, cnnAccuracy);
    }

    /// <summary>Throws <see cref="PartialResultFormatException"/> when array lengths disagree with <see cref="Steps"/> and the layers.</summary>
    public void CheckShape(string source)
    {
        bool ok = CorrectAtStep?.Length == Steps && (AgreementAtStep is null || AgreementAtStep.Length == Steps) && InputSpikesAtStep?.Length == Steps
            && Layers is not null && Layers.All(l => l.SpikesAtStep?.Length == Steps) && Batches is not null
            && Batches.All(b => b.InputSynOps?.Length == Steps && b.LayerSynOps?.Length == Layers.Count && b.LayerSynOps.All(o => o?.Length == Steps));
        if (!ok) throw new PartialResultFormatException($"{source}: the simulation's arrays do not all hold {Steps} steps; the file is damaged");
    }

    private static void Add(long[] sum, long[] part)
    {
        for (int t = 0; t < sum.Length; t++) sum[t] += part[t];
    }
}
