namespace SnnConvert.Conversion;

/// <summary>What membrane calibration gives its own initial potential v(0).</summary>
public enum MembraneGranularity
{
    /// <summary>One v(0) per output channel (conv) or feature (linear), from the channel's mean error: the default.</summary>
    Channel,

    /// <summary>
    /// One v(0) per neuron (channel and position), from that neuron's mean error over the calibration images: the
    /// offsets Hao et al. 2023 detect per neuron, estimated once on calibration images instead of per input. Positions
    /// near a border, or where the images' objects tend to be, keep their own offsets.
    /// </summary>
    Neuron,
}
