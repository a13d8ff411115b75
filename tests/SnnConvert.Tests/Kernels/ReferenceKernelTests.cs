using SnnConvert.Kernels;
using SnnConvert.Kernels.Reference;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Kernels;

/// <summary>
/// Every fast kernel against the plain-loop kernels of <see cref="SnnConvert.Kernels.Reference"/>: bit for bit where
/// the fast kernel adds in the reference's order (event-driven convolution and linear, pooling, the IF step, the
/// max-pool gate); otherwise within a stated bound. Reassociating a sum of n products changes it by at most about
/// n * eps * sum |products| (GEMM blocking, the channel-grouped convolution's group sums); Winograd's transforms
/// add errors that scale with the size of the values, bounded relative to the output's RMS as in
/// <see cref="WinogradF4Conv3x3Tests"/>.
/// </summary>
public sealed class ReferenceKernelTests
{
    // Inputs as the spiking engine sees them: spikes (0 or 1), or pooled spike maps (multiples of 1/4), mostly zero.
    private static float[] SparseMap(Random rng, int size, double density, bool pooled) =>
        [.. Enumerable.Range(0, size).Select(_ => rng.NextDouble() < density ? (pooled ? rng.Next(1, 5) / 4f : 1f) : 0f)];

    private static float[] Uniform(Random rng, int size) => [.. Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 2 - 1))];

    private static Conv2dGeometry Geometry(int c, int h, int w, int cout, int k, int stride, int pad) =>
        new(c, h, w, cout, k, stride, pad, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);

    // |fast - reference| <= n * eps * (sum over the output's products of |x w| + |b|), output by output.
    private static void AssertReassociated(float[] reference, float[] fast, Func<int, double> magnitude, int terms)
    {
        for (int i = 0; i < reference.Length; i++)
            Assert.True(Math.Abs(fast[i] - reference[i]) <= terms * 1.2e-7 * magnitude(i) + 1e-30,
                $"output {i}: fast {fast[i]}, reference {reference[i]}");
    }

    private static Func<int, double> ConvMagnitude(float[] x, float[] weight, float[]? bias, Conv2dGeometry g) => o =>
    {
        int co = o / g.Positions, oy = o % g.Positions / g.Wo, ox = o % g.Wo;
        double s = bias is null ? 0 : Math.Abs(bias[co]);
        for (int c = 0; c < g.C; c++)
            for (int ky = 0; ky < g.K; ky++)
                for (int kx = 0; kx < g.K; kx++)
                {
                    int iy = oy * g.Stride - g.Pad + ky, ix = ox * g.Stride - g.Pad + kx;
                    if (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W) s += Math.Abs(x[(c * g.H + iy) * g.W + ix] * weight[((co * g.C + c) * g.K + ky) * g.K + kx]);
                }
        return s;
    };

    [Theory]
    [InlineData(3, 9, 9, 12, 3, 1, 1, false, true)]    // 12 outputs: padded lanes
    [InlineData(4, 8, 7, 16, 5, 1, 0, true, false)]
    [InlineData(2, 10, 10, 24, 3, 2, 1, true, true)]   // the strided path
    [InlineData(16, 6, 6, 64, 3, 1, 1, false, true)]
    public void Event_driven_conv_equals_the_direct_convolution_bit_for_bit(int c, int h, int w, int cout, int k, int stride, int pad, bool pooled, bool withBias)
    {
        var rng = new Random(c * 31 + cout);
        Conv2dGeometry g = Geometry(c, h, w, cout, k, stride, pad);
        float[] weight = Uniform(rng, cout * c * k * k), x = SparseMap(rng, g.InputSize, 0.3, pooled);
        float[]? bias = withBias ? Uniform(rng, cout) : null;
        float[] reference = new float[g.OutputSize], fast = new float[g.OutputSize];
        ReferenceConv2d.Forward(x, weight, bias, g, reference);
        var kernel = new EventDrivenConv2d(weight, bias, g);
        kernel.Forward(x, fast, new float[kernel.ScratchSize]);
        Assert.Equal(reference, fast);
    }

    [Theory]
    [InlineData(12, 8, 8, 64, 5, 0, true, true)]
    [InlineData(12, 8, 8, 64, 5, 0, true, false)]     // the AVX2 path: 2 outputs x 32 channels per pass
    [InlineData(16, 9, 9, 96, 3, 1, false, true)]     // 64 + 32 channels, an odd output left over
    [InlineData(16, 9, 9, 96, 3, 1, false, false)]
    [InlineData(3, 9, 9, 24, 3, 1, false, true)]
    public void Channel_grouped_conv_agrees_with_the_direct_convolution_up_to_reassociation(int c, int h, int w, int cout, int k, int pad, bool pooled, bool use512)
    {
        var rng = new Random(c + cout);
        Conv2dGeometry g = Geometry(c, h, w, cout, k, 1, pad);
        float[] weight = Uniform(rng, cout * c * k * k), x = SparseMap(rng, g.InputSize, 0.4, pooled), bias = Uniform(rng, cout);
        float[] reference = new float[g.OutputSize], fast = new float[g.OutputSize];
        ReferenceConv2d.Forward(x, weight, bias, g, reference);
        var kernel = new ChannelGroupedEventConv2d(weight, bias, g, use512);
        kernel.Forward(x, fast, new float[kernel.ScratchSize]);
        AssertReassociated(reference, fast, ConvMagnitude(x, weight, bias, g), g.PatchSize + 1);
    }

    // The grouped kernel's own order written as plain loops: for each output, input positions in scan order (row, then
    // column); at each, the products of its non-zero channels summed in ascending channel order from zero (the group
    // sum), then added to the output; the bias last. The kernel (every width, with its skipping of empty positions
    // and its pairs of outputs) must give exactly these bits.
    private static float[] GroupedInScanOrder(float[] x, float[] weight, float[]? bias, Conv2dGeometry g)
    {
        var output = new float[g.OutputSize];
        for (int co = 0; co < g.Cout; co++)
            for (int oy = 0; oy < g.Ho; oy++)
                for (int ox = 0; ox < g.Wo; ox++)
                {
                    float acc = 0f;
                    for (int ky = 0; ky < g.K; ky++)
                        for (int kx = 0; kx < g.K; kx++)
                        {
                            int iy = oy - g.Pad + ky, ix = ox - g.Pad + kx;
                            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) continue;
                            float group = 0f;
                            bool any = false;
                            for (int c = 0; c < g.C; c++)
                            {
                                float v = x[(c * g.H + iy) * g.W + ix];
                                if (v == 0f) continue;
                                group += weight[((co * g.C + c) * g.K + ky) * g.K + kx] * v;
                                any = true;
                            }
                            if (any) acc += group;
                        }
                    output[(co * g.Ho + oy) * g.Wo + ox] = acc + (bias is null ? 0f : bias[co]);
                }
        return output;
    }

    [Theory]
    [InlineData(12, 12, 12, 64, 5, 0, true, true)]    // mnist-seed's second conv
    [InlineData(12, 12, 12, 64, 5, 0, true, false)]
    [InlineData(16, 9, 9, 96, 3, 1, false, true)]     // 64 + 32 channels, an odd output left over
    [InlineData(16, 9, 9, 96, 3, 1, false, false)]
    [InlineData(64, 7, 7, 40, 3, 1, true, true)]      // 40 channels: the one-vector tail
    [InlineData(3, 10, 11, 24, 3, 1, false, false)]
    [InlineData(3, 10, 11, 24, 3, 1, false, true)]    // AVX-512 packing: 3 of 16 transposed channels, 14 positions past the last 16
    public void Channel_grouped_conv_equals_its_scan_order_loops_bit_for_bit(int c, int h, int w, int cout, int k, int pad, bool pooled, bool use512)
    {
        var rng = new Random(c * 7 + cout + h);
        Conv2dGeometry g = Geometry(c, h, w, cout, k, 1, pad);
        float[] weight = Uniform(rng, cout * c * k * k), bias = Uniform(rng, cout);
        foreach (double density in new[] { 0.02, 0.15, 0.6 })   // mostly empty positions, the engine's range, crowded
        {
            float[] x = SparseMap(rng, g.InputSize, density, pooled), fast = new float[g.OutputSize];
            var kernel = new ChannelGroupedEventConv2d(weight, bias, g, use512);
            int events = kernel.Forward(x, fast, new float[kernel.ScratchSize]);
            Assert.Equal(x.Count(v => v != 0f), events);
            float[] expected = GroupedInScanOrder(x, weight, bias, g);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(fast[i]),
                    $"density {density}, output {i}: kernel {fast[i]:R}, scan-order loops {expected[i]:R}");
        }
    }

    // Every width sums each output's group sums in the same order (positions in scan order, channels ascending within
    // one), so the AVX-512 and the AVX2 blocking give the same bits; on a CPU without AVX-512 both run the AVX2 path.
    [Theory]
    [InlineData(12, 12, 12, 64, 5, 0, true)]
    [InlineData(16, 9, 9, 96, 3, 1, false)]
    [InlineData(64, 7, 7, 40, 3, 1, true)]
    public void Channel_grouped_conv_gives_the_same_bits_with_and_without_AVX_512(int c, int h, int w, int cout, int k, int pad, bool pooled)
    {
        var rng = new Random(c * cout);
        Conv2dGeometry g = Geometry(c, h, w, cout, k, 1, pad);
        float[] weight = Uniform(rng, cout * c * k * k), x = SparseMap(rng, g.InputSize, 0.3, pooled), bias = Uniform(rng, cout);
        float[] wide = new float[g.OutputSize], narrow = new float[g.OutputSize];
        var a = new ChannelGroupedEventConv2d(weight, bias, g, use512: true);
        var b = new ChannelGroupedEventConv2d(weight, bias, g, use512: false);
        Assert.Equal(a.Forward(x, wide, new float[a.ScratchSize]), b.Forward(x, narrow, new float[b.ScratchSize]));
        Assert.Equal(wide, narrow);
        Assert.Contains(wide, v => v != 0f);
    }

    [Theory]
    [InlineData(2, 3, 7, 7, 5, 3, 1, 1)]
    [InlineData(3, 16, 8, 8, 16, 3, 1, 1)]
    [InlineData(2, 4, 9, 9, 6, 3, 2, 0)]
    public void Im2col_conv_agrees_with_the_direct_convolution_up_to_reassociation(int n, int c, int h, int w, int cout, int k, int stride, int pad)
    {
        var rng = new Random(n + c + cout);
        Conv2dGeometry g = Geometry(c, h, w, cout, k, stride, pad);
        float[] weight = Uniform(rng, cout * c * k * k), x = Uniform(rng, n * g.InputSize), bias = Uniform(rng, cout);
        float[] fast = new float[n * g.OutputSize];
        Conv2dKernel.Forward(x, n, g, weight, bias, null, fast, new ChunkBuffers());
        for (int i = 0; i < n; i++)
        {
            float[] image = x[(i * g.InputSize)..((i + 1) * g.InputSize)], reference = new float[g.OutputSize];
            ReferenceConv2d.Forward(image, weight, bias, g, reference);
            AssertReassociated(reference, fast[(i * g.OutputSize)..((i + 1) * g.OutputSize)], ConvMagnitude(image, weight, bias, g), g.PatchSize + 1);
        }
    }

    [Theory]
    [InlineData(false, 5, 16, 7, 9, 16, 1)]
    [InlineData(false, 3, 32, 6, 6, 16, 0)]
    [InlineData(true, 5, 16, 7, 9, 16, 2)]
    [InlineData(true, 2, 16, 12, 12, 32, 1)]
    public void Winograd_agrees_with_the_direct_convolution_relative_to_the_output_rms(bool f4, int n, int c, int h, int w, int cout, int pad)
    {
        var rng = new Random(n * 7 + c + pad);
        Conv2dGeometry g = Geometry(c, h, w, cout, 3, 1, pad);
        float[] weight = Uniform(rng, cout * c * 9), x = Uniform(rng, n * g.InputSize), bias = Uniform(rng, cout);
        float[] fast = new float[n * g.OutputSize], reference = new float[n * g.OutputSize];
        for (int i = 0; i < n; i++)
            ReferenceConv2d.Forward(x.AsSpan(i * g.InputSize, g.InputSize), weight, bias, g, reference.AsSpan(i * g.OutputSize, g.OutputSize));
        float[] u = new float[(f4 ? 36 : 16) * c * cout];
        if (f4)
        {
            WinogradF4Conv3x3.TransformWeights(weight, cout, c, flip: false, u);
            WinogradF4Conv3x3.Forward(x, n, c, h, w, pad, u, cout, bias, fast, new ChunkBuffers());
        }
        else
        {
            WinogradConv3x3.TransformWeights(weight, cout, c, u);
            WinogradConv3x3.Forward(x, n, c, h, w, pad, u, cout, bias, fast, new ChunkBuffers());
        }
        double rms = Math.Sqrt(reference.Average(v => (double)v * v));
        Assert.True(reference.Zip(fast).Max(p => Math.Abs(p.First - p.Second)) <= 2e-4 * rms);
    }

    [Theory]
    [InlineData(50, 10, 0.2, true, true)]    // up to 16 outputs: the register path (one 512-bit vector)
    [InlineData(50, 10, 0.2, true, false)]   // the same in two 256-bit vectors
    [InlineData(64, 40, 0.5, false, true)]
    [InlineData(64, 40, 0.5, false, false)]
    [InlineData(7, 3, 1.0, true, false)]
    public void Event_driven_linear_equals_the_plain_product_bit_for_bit(int fin, int fout, double density, bool pooled, bool use512)
    {
        var rng = new Random(fin * fout);
        float[] weight = Uniform(rng, fin * fout), bias = Uniform(rng, fout), x = SparseMap(rng, fin, density, pooled);
        float[] reference = new float[fout], fast = new float[fout];
        ReferenceLinear.Forward(x, weight, bias, fin, fout, reference);
        var kernel = new EventDrivenLinear(weight, bias, fin, fout, use512);
        kernel.Forward(x, fast, new float[kernel.ScratchSize]);
        Assert.Equal(reference, fast);
    }

    [Fact]
    public void Gemm_linear_agrees_with_the_plain_product_up_to_reassociation()
    {
        var rng = new Random(3);
        int n = 5, fin = 70, fout = 13;
        float[] weight = Uniform(rng, fin * fout), bias = Uniform(rng, fout), x = Uniform(rng, n * fin), fast = new float[n * fout];
        LinearKernel.Forward(x, n, fin, fout, weight, bias, fast);
        for (int i = 0; i < n; i++)
        {
            float[] sample = x[(i * fin)..((i + 1) * fin)], reference = new float[fout];
            ReferenceLinear.Forward(sample, weight, bias, fin, fout, reference);
            AssertReassociated(reference, fast[(i * fout)..((i + 1) * fout)],
                o => Math.Abs(bias[o]) + Enumerable.Range(0, fin).Sum(j => Math.Abs(sample[j] * weight[o * fin + j])), fin + 1);
        }
    }

    [Theory]
    [InlineData(3, 12, 13, 2, 2)]
    [InlineData(2, 9, 9, 3, 3)]
    [InlineData(2, 8, 8, 2, 1)]
    public void Pooling_equals_the_plain_window_mean_bit_for_bit(int channels, int h, int w, int kernel, int stride)
    {
        var rng = new Random(channels + h + kernel);
        int ho = (h - kernel) / stride + 1, wo = (w - kernel) / stride + 1;
        float[] x = Uniform(rng, channels * h * w), spikes = SparseMap(rng, channels * h * w, 0.4, pooled: false);
        float[] reference = new float[channels * ho * wo], fast = new float[reference.Length];
        ReferenceAvgPool2d.Forward(x, channels, h, w, kernel, stride, reference, ho, wo);
        for (int c = 0; c < channels; c++)
            AvgPool2dKernel.Forward(x.AsSpan(c * h * w, h * w), h, w, kernel, stride, fast.AsSpan(c * ho * wo, ho * wo), ho, wo);
        Assert.Equal(reference, fast);
        ReferenceAvgPool2d.Forward(spikes, channels, h, w, kernel, stride, reference, ho, wo);
        SpikePooling.Forward(kernel, stride, [channels, h, w], [channels, ho, wo], spikes, fast);
        Assert.Equal(reference, fast);
    }

    [Theory]
    [InlineData(1, 37, 1, true)]      // one threshold: vectors and a scalar tail
    [InlineData(2, 21, 3, true)]      // per-channel thresholds, blocks shorter than a vector
    [InlineData(4, 64, 4, false)]     // hard reset
    public void If_step_equals_the_plain_loop_bit_for_bit(int n, int channelSize, int channels, bool softReset)
    {
        var rng = new Random(n * channelSize + channels);
        int size = n * channels * channelSize;
        float[] thresholds = [.. Enumerable.Range(0, channels).Select(_ => 0.5f + rng.NextSingle())];
        float[] membrane = new float[size], membraneRef = new float[size], spikes = new float[size], spikesRef = new float[size];
        for (int t = 0; t < 20; t++)
        {
            float[] current = Uniform(rng, size);
            int fired = IfNeuron.Step(current, membrane, thresholds, spikes, channelSize, softReset);
            Assert.Equal(ReferenceIfNeuron.Step(current, membraneRef, thresholds, spikesRef, channelSize, softReset), fired);
            Assert.Equal(spikesRef, spikes);
            Assert.Equal(membraneRef, membrane);
        }
        Assert.Contains(spikes, s => s == 1f);
    }

    [Theory]
    [InlineData(2, 8, 8, 2, 2)]
    [InlineData(3, 7, 9, 3, 2)]    // overlapping windows
    [InlineData(1, 7, 7, 2, 3)]    // gaps between windows
    public void Max_pool_gate_equals_the_plain_loop(int c, int h, int w, int kernel, int stride)
    {
        var rng = new Random(c * h + kernel);
        int ho = (h - kernel) / stride + 1, wo = (w - kernel) / stride + 1, size = c * h * w, outSize = c * ho * wo;
        var gate = new SpikeMaxPoolGate(kernel, stride, [c, h, w], [c, ho, wo]);
        int[] counts = new int[size], countsRef = new int[size], max = new int[outSize], maxRef = new int[outSize];
        float[] output = new float[outSize], outputRef = new float[outSize];
        for (int t = 0; t < 30; t++)
        {
            float[] spikes = SparseMap(rng, size, 0.3, pooled: false);
            int fired = gate.Step(spikes, counts, max, output);
            Assert.Equal(ReferenceMaxPoolGate.Step(spikes, countsRef, maxRef, outputRef, kernel, stride, [c, h, w], [c, ho, wo]), fired);
            Assert.Equal(outputRef, output);
            Assert.Equal(maxRef, max);
        }
    }
}
