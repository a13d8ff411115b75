using SnnConvert.Data;
using SnnConvert.Snn;
using SnnConvert.Tensors;
using SnnConvert.Training;
using Xunit;

namespace SnnConvert.Tests.Snn;

/// <summary>The rate code: each pixel spikes with probability equal to its value, from counter-based draws.</summary>
public class RateCodeTests
{
    [Fact]
    public void Pixels_spike_at_their_intensity_black_never_white_always()
    {
        // One image of four pixels: 0, 64/255, 191/255, 1; a 4 -> 2 linear layer reads them.
        var data = new ImageDataset("rate", [0, 64, 191, 255], [0], 1, 2, 2, ["a", "b"]);
        var net = TestNets.Network([1, 2, 2], 2, new SnnFlatten(), new SnnLinear(4, 2) { Weight = new float[8], Spiking = false });
        const int steps = 20000, block = 500;
        var runner = new SnnBlockRunner(net, 1, block, InputEncoding.Rate, net.Readout, SynapseEngine.EventDriven);
        runner.Start(data, 0, 1, seed: 7);
        long spikes = 0, whiteOnly = 0;
        for (int t = 0; t < steps; t += block)
        {
            runner.Run(block);
            foreach (long s in runner.InputSpikes) { spikes += s; whiteOnly += s >= 1 ? 1 : 0; }
        }
        Assert.Equal(steps, whiteOnly);   // the white pixel spikes at every step
        // Expected spikes per step: 64/255 + 191/255 + 1 = 2; the two grey pixels' count has sd sqrt(sum p(1-p) T) ~ 87.
        double expected = steps * (64 / 255.0 + 191 / 255.0 + 1);
        Assert.InRange(spikes, expected - 450, expected + 450);
    }

    [Fact]
    public void Draws_are_uniform_and_keys_differ_per_image_and_seed()
    {
        ulong key = InputEncoder.RateKey(1, 0);
        Assert.NotEqual(key, InputEncoder.RateKey(1, 1));
        Assert.NotEqual(key, InputEncoder.RateKey(2, 0));
        const int n = 200_000;
        var bins = new int[10];
        double sum = 0;
        for (ulong c = 0; c < n; c++)
        {
            float u = CounterRandom.Uniform(key, c);
            Assert.InRange(u, 0f, 0.99999994f);
            sum += u;
            bins[(int)(u * 10)]++;
        }
        Assert.InRange(sum / n, 0.497, 0.503);
        foreach (int b in bins) Assert.InRange(b, n / 10 - 700, n / 10 + 700);   // sd ~134 per bin
    }
}
