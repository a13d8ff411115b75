namespace SnnConvert.Snn;

/// <summary>
/// Synaptic fan-out of every element of a spike map: the number of synapses of the next weighted layer that a
/// spike there drives, through any pooling and flatten in between. SOPs = sum over spikes of their fan-out.
/// </summary>
public static class FanOut
{
    /// <summary>
    /// Fan-out per element (per sample, flattened) of the map entering stage <paramref name="stage"/>; stages before
    /// the next weighted layer (pooling, flatten) are followed. <paramref name="shapes"/> are the network's shapes.
    /// </summary>
    public static float[] OfInputTo(IReadOnlyList<SnnLayer> layers, IReadOnlyList<int[]> shapes, int stage)
    {
        // Walk forward to the next weighted layer, remembering the pools on the way.
        var pools = new List<(SnnAvgPool2d Pool, int[] InputShape)>();
        int k = stage;
        while (layers[k] is not SynapticLayer)
        {
            if (layers[k] is SnnGatedMaxPool2d)
                throw new ArgumentException($"stage {k} ({layers[k].Describe()}): which spikes pass a max-pool gate depends on its state; take the fan-out of its output (stage {k + 1})");
            if (layers[k] is SnnAvgPool2d pool) pools.Add((pool, shapes[k]));
            k++;
        }
        float[] readers = Readers((SynapticLayer)layers[k], shapes[k]);
        // Back through the pools: an input element drives every pooled element whose window contains it.
        for (int p = pools.Count - 1; p >= 0; p--)
        {
            var (pool, inShape) = pools[p];
            int c = inShape[0], h = inShape[1], w = inShape[2];
            int[] outShape = pool.OutputShape(inShape);
            int ho = outShape[1], wo = outShape[2], ks = pool.Kernel, s = pool.Stride;
            var input = new float[c * h * w];
            for (int ch = 0; ch < c; ch++)
                for (int oh = 0; oh < ho; oh++)
                    for (int ow = 0; ow < wo; ow++)
                    {
                        float r = readers[(ch * ho + oh) * wo + ow];
                        for (int i = 0; i < ks; i++)
                            for (int j = 0; j < ks; j++) input[(ch * h + oh * s + i) * w + ow * s + j] += r;
                    }
            readers = input;
        }
        return readers;
    }

    /// <summary>Synapses reading each input element of a weighted layer (per sample).</summary>
    private static float[] Readers(SynapticLayer layer, int[] inputShape)
    {
        if (layer is SnnLinear linear)
        {
            var r = new float[linear.InFeatures];
            Array.Fill(r, linear.OutFeatures);
            return r;
        }
        var conv = (SnnConv2d)layer;
        int c = inputShape[0], h = inputShape[1], w = inputShape[2];
        int[] o = conv.OutputShape(inputShape);
        int[] rows = WindowCounts(h, o[1], conv.Kernel, conv.Stride, conv.Padding);
        int[] cols = WindowCounts(w, o[2], conv.Kernel, conv.Stride, conv.Padding);
        var readers = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) readers[(ch * h + y) * w + x] = (float)rows[y] * cols[x] * conv.OutChannelCount;
        return readers;
    }

    /// <summary>For each input coordinate, how many of the <paramref name="outputs"/> windows cover it.</summary>
    private static int[] WindowCounts(int size, int outputs, int kernel, int stride, int pad)
    {
        var counts = new int[size];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < kernel; i++)
            {
                int at = o * stride - pad + i;
                if ((uint)at < (uint)size) counts[at]++;
            }
        return counts;
    }
}
