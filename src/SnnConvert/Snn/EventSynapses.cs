using SnnConvert.Kernels;

namespace SnnConvert.Snn;

/// <summary>
/// The event-driven kernels of <see cref="SnnConvert.Kernels"/> built from the spiking network's layer records: the
/// one place that picks the convolution kernel and hands the kernels plain weights and sizes.
/// </summary>
public static class EventSynapses
{
    /// <summary>
    /// The event-driven synapses of <paramref name="layer"/> on inputs of shape <paramref name="inputShape"/>: the
    /// channel-grouped convolution where it applies (<see cref="ChannelGroupedEventConv2d.Supports"/>), otherwise the
    /// per-event one; null for a layer kind without one.
    /// </summary>
    public static IEventDrivenSynapses? For(SynapticLayer layer, int[] inputShape) => layer switch
    {
        SnnConv2d conv => ForConv(conv, conv.Spec.Geometry(inputShape)),
        SnnLinear linear => new EventDrivenLinear(linear.Weight, linear.Bias, linear.InFeatures, linear.OutFeatures),
        _ => null,
    };

    private static IEventDrivenSynapses ForConv(SnnConv2d conv, Conv2dGeometry geometry) =>
        ChannelGroupedEventConv2d.Supports(geometry)
            ? new ChannelGroupedEventConv2d(conv.Weight, conv.Bias, geometry)
            : new EventDrivenConv2d(conv.Weight, conv.Bias, geometry);

    /// <summary>The gate of <paramref name="pool"/> on input maps of shape <paramref name="inputShape"/> (C, H, W).</summary>
    public static SpikeMaxPoolGate Gate(SnnGatedMaxPool2d pool, int[] inputShape) =>
        new(pool.Kernel, pool.Stride, inputShape, pool.OutputShape(inputShape));
}
