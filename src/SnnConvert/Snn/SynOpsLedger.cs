namespace SnnConvert.Snn;

/// <summary>
/// The synaptic operations of every batch of a simulation, kept separately so that sums over batches simulated on
/// different machines can be formed later in the same order, and so to the same bits, as one process forms them.
/// Spike and prediction counts are integers and need no such record; synaptic operations are doubles (a spike's fan-out
/// can be fractional after average pooling), whose sum depends on the order of the additions.
/// </summary>
public sealed class SynOpsLedger
{
    private readonly SortedDictionary<int, double[][]> _batches = [];

    /// <summary>Per batch index (global, ascending): per stage, then the input as the last entry, the operations at each step.</summary>
    public IReadOnlyDictionary<int, double[][]> Batches => _batches;

    /// <summary>Starts the record of batch <paramref name="batch"/> of a network of <paramref name="stages"/> stages.</summary>
    public double[][] Begin(int batch, int stages, int steps)
    {
        var entry = new double[stages + 1][];
        for (int s = 0; s <= stages; s++) entry[s] = new double[steps];
        _batches[batch] = entry;
        return entry;
    }
}
