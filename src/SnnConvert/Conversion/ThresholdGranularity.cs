namespace SnnConvert.Conversion;

/// <summary>One threshold per layer, or one per output channel of conv layers (dense hidden layers always get one).</summary>
public enum ThresholdGranularity
{
    /// <summary>One threshold for the whole layer.</summary>
    Layer,
    /// <summary>One threshold per output channel of conv layers.</summary>
    Channel,
}
