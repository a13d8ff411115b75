namespace SnnConvert.Conversion;

/// <summary>What conversion does with a max-pooling layer, which has no exact spiking equivalent.</summary>
public enum MaxPoolHandling
{
    /// <summary>Refuse the model with a message (default).</summary>
    Refuse,
    /// <summary>Replace it by average pooling of the same window; accuracy changes (a warning says so).</summary>
    Average,
    /// <summary>Spiking max pooling: each window passes the spikes of its input with the most spikes so far
    /// (<see cref="Snn.SnnGatedMaxPool2d"/>, Rueckauer et al. 2017). Needs the pooling directly after a spiking layer.</summary>
    Gate,
}
