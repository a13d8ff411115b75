using SnnConvert.Kernels;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// The synapses of one weighted layer: its engine choice and the weights each engine needs (the Winograd-domain
/// weights of a 3x3 convolution, an event-driven kernel where the inputs can be events). For a block,
/// <see cref="Compute"/> chooses per (image, step) between the event-driven kernel and the GEMM and computes the GEMM
/// currents; the event-driven ones are computed by the caller with <see cref="EventCurrent"/> right before they are
/// used, so they never leave the cache.
/// </summary>
internal sealed class SynapseCurrents
{
    private readonly SynapticLayer _layer;
    private readonly int[] _inShape;
    private readonly int _inSize, _outSize;
    private readonly SynapseEngine _engine;
    private readonly float[]? _winograd;

    /// <param name="layer">The weighted layer.</param>
    /// <param name="inShape">Its input shape.</param>
    /// <param name="outSize">Values per output map.</param>
    /// <param name="engine">The engine choice.</param>
    /// <param name="inputsAreEvents">Whether the inputs can be events (not pixels).</param>
    public SynapseCurrents(SynapticLayer layer, int[] inShape, int outSize, SynapseEngine engine, bool inputsAreEvents)
    {
        (_layer, _inShape, _outSize, _engine) = (layer, inShape, outSize, engine);
        _inSize = inShape.Aggregate(1, (a, b) => a * b);
        // A folded normalisation's pad values feed the borders at every position: the input is not events only.
        if (inputsAreEvents && !(layer is SnnConv2d { PadValues: { } pad } && pad.Any(v => v != 0f)))
            Events = EventSynapses.For(layer, inShape);
        if (layer is SnnConv2d { PadValues: null } w && WinogradConv3x3.Supports(w.Spec.Kernel, w.Spec.Stride, w.Spec.Padding, w.Spec.OutChannels, w.InChannelCount))
        {
            _winograd = new float[16 * w.InChannelCount * w.OutChannelCount];
            WinogradConv3x3.TransformWeights(w.Weight, w.OutChannelCount, w.InChannelCount, _winograd);
        }
    }

    /// <summary>The event-driven kernel, where the inputs can be events.</summary>
    public IEventDrivenSynapses? Events { get; }

    /// <summary>Values per input map.</summary>
    public int InSize => _inSize;

    /// <summary>Values per output map (current).</summary>
    public int OutSize => _outSize;

    /// <summary>
    /// Chooses the engine of each (image, step) pair of the block (into <see cref="BlockWorkspace.EventImage"/>) and
    /// computes the dense ones into <see cref="BlockWorkspace.Current"/>; returns whether any are left event-driven.
    /// </summary>
    public bool Compute(float[] input, BlockWorkspace block, out int eventCount)
    {
        int m = block.Pairs, inSize = _inSize;
        IEventDrivenSynapses? kernel = _engine == SynapseEngine.Dense ? null : Events;
        eventCount = 0;
        if (kernel is not null)
        {
            bool[] eventImage = block.EventImage;
            if (_engine == SynapseEngine.EventDriven) eventImage.AsSpan(0, m).Fill(true);
            else if (block.NonZeroKnown)
                for (int j = 0; j < m; j++) eventImage[j] = block.NonZero[j] < SynapseEngines.EventDrivenBelow * inSize;
            else
                ChunkedParallel.For(m, (_, start, end) =>
                {
                    for (int j = start; j < end; j++)
                        eventImage[j] = SpanMath.CountNonZero(input.AsSpan(j * inSize, inSize)) < SynapseEngines.EventDrivenBelow * inSize;
                });
            for (int j = 0; j < m; j++) eventCount += eventImage[j] ? 1 : 0;
        }
        if (eventCount == 0) Dense(input, m, block.Current, block);
        else if (eventCount < m) DenseGathered(input, m, block);
        return eventCount > 0;
    }

    /// <summary>
    /// The event-driven current of (image, step) pair <paramref name="j"/>, computed into a worker's
    /// <paramref name="buffer"/> laid out as the kernel's scratch, then the current.
    /// </summary>
    public Span<float> EventCurrent(float[] input, int j, float[] buffer)
    {
        IEventDrivenSynapses kernel = Events!;
        int scratch = kernel.ScratchSize;
        Span<float> current = buffer.AsSpan(scratch, _outSize);
        kernel.Forward(input.AsSpan(j * _inSize, _inSize), current, buffer.AsSpan(0, scratch));
        return current;
    }

    /// <summary>The currents of <paramref name="m"/> maps through the GEMM (Winograd where prepared).</summary>
    public void Dense(float[] input, int m, float[] current, BlockWorkspace block)
    {
        switch (_layer)
        {
            case SnnConv2d conv when _winograd is { } u:
                WinogradConv3x3.Forward(input, m, _inShape[0], _inShape[1], _inShape[2], conv.Padding, u, conv.OutChannelCount, conv.Bias, current, block.Winograd);
                break;
            case SnnConv2d conv:
                Conv2dKernel.Forward(input, m, conv.Spec.Geometry(_inShape), conv.Weight, conv.Bias, conv.PadValues, current, block.Im2Col);
                break;
            case SnnLinear linear:
                LinearKernel.Forward(input, m, linear.InFeatures, linear.OutFeatures, linear.Weight, linear.Bias, current);
                break;
        }
    }

    // The (image, step) pairs not computed event-driven go through the GEMM in small gathered groups.
    private void DenseGathered(float[] input, int m, BlockWorkspace block)
    {
        int inSize = _inSize, outSize = _outSize, group = 0;
        float[] gatherIn = block.GatherIn, gatherOut = block.GatherOut, current = block.Current;
        Span<int> members = stackalloc int[BlockWorkspace.GatherImages];
        for (int j = 0; j <= m; j++)
        {
            if (j < m && !block.EventImage[j])
            {
                input.AsSpan(j * inSize, inSize).CopyTo(gatherIn.AsSpan(group * inSize, inSize));
                members[group++] = j;
            }
            if (group == BlockWorkspace.GatherImages || (j == m && group > 0))
            {
                Dense(gatherIn, group, gatherOut, block);
                for (int g = 0; g < group; g++) gatherOut.AsSpan(g * outSize, outSize).CopyTo(current.AsSpan(members[g] * outSize, outSize));
                group = 0;
            }
        }
    }
}
