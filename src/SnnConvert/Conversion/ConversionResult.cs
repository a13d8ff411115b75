using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>What <see cref="SnnConverter.Convert"/> returns.</summary>
/// <param name="Network">The balanced spiking network, its <see cref="SpikingNetwork.Conversion"/> recording how.</param>
/// <param name="Warnings">What the conversion changed or suspects (max pooling replaced, biases with per-channel thresholds), for the user.</param>
public sealed record ConversionResult(SpikingNetwork Network, IReadOnlyList<string> Warnings);
