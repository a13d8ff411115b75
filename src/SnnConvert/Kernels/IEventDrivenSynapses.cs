namespace SnnConvert.Kernels;

/// <summary>
/// The synaptic current of one weighted layer computed from its non-zero inputs only (events): the cost grows
/// with the number of events. Implemented for convolutions and fully connected layers.
/// </summary>
public interface IEventDrivenSynapses
{
    /// <summary>Floats of scratch one sample needs.</summary>
    int ScratchSize { get; }

    /// <summary>Writes the current of one sample from its input; returns the number of events (non-zero inputs).</summary>
    /// <param name="input">One sample's input map.</param>
    /// <param name="output">One sample's current.</param>
    /// <param name="scratch">At least <see cref="ScratchSize"/> floats.</param>
    int Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> scratch);
}
