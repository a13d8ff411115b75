using SnnConvert.Snn;
using SnnConvert.Tensors;

namespace SnnConvert.Conversion;

/// <summary>
/// Calibration's probe: the statistics (maximum, optionally a histogram) per output channel or per layer of one
/// weighted layer's input currents, over every image, position and step the runner hands it. A block is split among
/// parallel workers, each with its own partial statistics, merged at the end: maxima and counts are exact in any
/// order, so the result is the same as one stream's.
/// </summary>
public sealed class CurrentStatisticsProbe : CurrentProbe
{
    private readonly ChannelStatistics[] _parts;
    private readonly int _channels, _channelSize, _rowSize;

    /// <summary>Statistics of stage <paramref name="stage"/> of <paramref name="net"/> in <paramref name="groups"/> groups.</summary>
    /// <param name="net">The network.</param>
    /// <param name="stage">The weighted layer.</param>
    /// <param name="groups">Its output channels (one statistic per channel) or 1 (one for the layer).</param>
    /// <param name="percentiles">Whether to keep histograms for percentiles.</param>
    public CurrentStatisticsProbe(SpikingNetwork net, int stage, int groups, bool percentiles) : base(stage)
    {
        int[] shape = net.Shapes[stage + 1];
        _channels = ((SynapticLayer)net.Layers[stage]).OutputChannels;
        _channelSize = shape.Length == 3 ? shape[1] * shape[2] : 1;
        _rowSize = shape.Aggregate(1, (a, b) => a * b);
        _parts = Enumerable.Range(0, ChunkedParallel.MaxChunks).Select(_ => new ChannelStatistics(groups, percentiles)).ToArray();
        Groups = groups;
        Percentiles = percentiles;
    }

    /// <summary>Groups of the statistics.</summary>
    public int Groups { get; }

    /// <summary>Whether histograms are kept.</summary>
    public bool Percentiles { get; }

    /// <inheritdoc/>
    public override bool TakesRows => true;

    /// <inheritdoc/>
    /// <remarks>The rows of a block reach the same partial statistics in the same order as through
    /// <see cref="Record"/> (both split the block's rows into the chunks of <see cref="ChunkedParallel.For(int, Action{int, int, int})"/>),
    /// and the merged statistics are exact in any order anyway.</remarks>
    public override void RecordRow(int worker, int row, ReadOnlySpan<float> current) => _parts[worker].Add(current, _channels, _channelSize);

    /// <inheritdoc/>
    public override void Record(ReadOnlyMemory<float> currents, int images, int steps) =>
        ChunkedParallel.For(images * steps, (chunk, start, end) =>
            _parts[chunk].Add(currents.Span.Slice(start * _rowSize, (end - start) * _rowSize), _channels, _channelSize));

    /// <summary>The statistics of every current recorded.</summary>
    public ChannelStatistics Statistics()
    {
        var stats = new ChannelStatistics(Groups, Percentiles);
        foreach (ChannelStatistics part in _parts) stats.Merge(part);
        return stats;
    }
}
