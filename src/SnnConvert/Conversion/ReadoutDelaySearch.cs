using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.Snn;

namespace SnnConvert.Conversion;

/// <summary>
/// Chooses the readout delay for a target latency T (delayed evaluation, Hwang et al. 2021, "Low-latency spiking
/// neural networks using pre-charged membrane potential and delayed evaluation", Frontiers in Neuroscience 15): in the
/// first steps the deep layers have not received their inputs' spikes yet, so the output current of those steps is
/// far from the CNN's logits; leaving them out of the membrane readout sharpens the class at low T.
/// On the calibration images (direct input, every hidden layer final), for each delay D = 0 ... T - 1 the output
/// V_D = sum over steps t = D + 1 ... T of the output layer's current, and its error: the mean over images and classes
/// of (V_D / (T - D) - z)^2, z the CNN's logits (the rate model of <see cref="AnalogForward"/>, as post-calibration
/// aims at). The delay with the least error is chosen (the smallest on ties). One simulation of T steps serves every D.
/// </summary>
public static class ReadoutDelaySearch
{
    /// <summary>Chooses the delay of <paramref name="net"/> at T = <see cref="CalibrationSettings.Steps"/>.</summary>
    /// <param name="net">The network: thresholds and post-calibration final.</param>
    /// <param name="reference">The network whose rate model gives the target logits: the thresholds' network before
    /// post-calibration, so that the target is the CNN's output.</param>
    /// <param name="settings">The calibration images (of which up to <paramref name="images"/>), T as steps, seed, batch, engine.</param>
    /// <param name="images">Images used at most: a seeded subset of the calibration images when they are more.</param>
    /// <param name="progress">Progress.</param>
    /// <returns>The network with <see cref="SpikingNetwork.ReadoutDelay"/> set and the search's record in its conversion record.</returns>
    /// <exception cref="InvalidSettingException">The readout is not the membrane's, or <paramref name="images"/> is not positive.</exception>
    public static SpikingNetwork Choose(SpikingNetwork net, SpikingNetwork reference, CalibrationSettings settings, int images,
        IProgress<CalibrationProgress>? progress = null)
    {
        settings.Validate();
        if (net.Readout != Readout.Membrane)
            throw new InvalidSettingException(SettingNames.ReadoutDelay, $"delays the membrane readout; {net.Name} is read out by {net.Readout.ToString().ToLowerInvariant()}");
        PostCalibrator.CheckImages(images);
        settings = settings with { Data = SnnConverter.CalibrationSubset(settings.Data, images, settings.Seed) };
        double[] errors = Errors(net, reference, settings, progress);
        int delay = Array.IndexOf(errors, errors.Min());
        var record = new ReadoutDelayRecord(delay, settings.Steps, settings.Data.Count, errors);
        return net with { ReadoutDelay = delay, Conversion = net.Conversion with { ReadoutDelay = record } };
    }

    /// <summary>The error of every delay D = 0 ... T - 1 (see the class summary).</summary>
    internal static double[] Errors(SpikingNetwork net, SpikingNetwork reference, CalibrationSettings settings, IProgress<CalibrationProgress>? progress)
    {
        int stage = net.OutputIndex, steps = settings.Steps, n = settings.Data.Count;
        int classes = ((SynapticLayer)net.Layers[stage]).OutputChannels;
        float[] logits = Logits(reference, settings);
        bool constant = InputEncoder.GivesConstantCurrent(net, InputEncoding.Direct, stage);
        int simulated = constant ? 1 : steps, batch = Math.Min(settings.BatchSize, n);
        var probe = new OutputCurrentProbe(stage, classes, simulated, batch);
        var runner = new SnnBlockRunner(net, batch, SnnBlockRunner.BlockSteps(net, batch, simulated), InputEncoding.Direct, net.Readout, settings.Engine, probe);
        var sums = new double[steps];
        var tail = new double[classes];
        for (int start = 0, index = 0; start < n; start += settings.BatchSize, index++)
        {
            int count = Math.Min(settings.BatchSize, n - start);
            probe.Begin();
            runner.RunBatch(settings.Data, start, count, settings.Seed, simulated, index, null);
            for (int i = 0; i < count; i++)
            {
                // V_D from the last step backwards: tail = sum over t >= D of z(t) (0-based steps).
                Array.Clear(tail);
                for (int d = steps - 1; d >= 0; d--)
                {
                    ReadOnlySpan<float> z = probe.Current(constant ? 0 : d, i, count);
                    double error = 0;
                    for (int o = 0; o < classes; o++)
                    {
                        tail[o] += z[o];
                        double e = tail[o] / (steps - d) - logits[(start + i) * classes + o];
                        error += e * e;
                    }
                    sums[d] += error;
                }
            }
            progress?.Report(new CalibrationProgress(stage, $"readout delay: layer {stage} at T = {steps}", start + count, n));
        }
        return sums.Select(s => s / ((double)n * classes)).ToArray();
    }

    // The rate model's logits (the CNN's) of every calibration image, n x classes.
    private static float[] Logits(SpikingNetwork reference, CalibrationSettings settings)
    {
        var forward = new AnalogForward(reference, rates: true, settings.Qcfs);
        int n = settings.Data.Count, classes = ((SynapticLayer)reference.Layers[reference.OutputIndex]).OutputChannels;
        var logits = new float[n * classes];
        for (int start = 0; start < n; start += settings.BatchSize)
        {
            int count = Math.Min(settings.BatchSize, n - start);
            var (batch, _) = BatchLoader.LoadRange(settings.Data, start, count);
            forward.Run(batch.Data, count).AsSpan(0, count * classes).CopyTo(logits.AsSpan(start * classes));
        }
        return logits;
    }

    // Keeps the output layer's current of every step of one batch, (step, image, class).
    private sealed class OutputCurrentProbe(int stage, int classes, int steps, int maxBatch) : CurrentProbe(stage)
    {
        private readonly float[] _currents = new float[steps * maxBatch * classes];
        private int _recorded;   // steps of the batch received so far

        public void Begin() => _recorded = 0;

        public ReadOnlySpan<float> Current(int step, int image, int images) => _currents.AsSpan((step * images + image) * classes, classes);

        public override void Record(ReadOnlyMemory<float> currents, int images, int blockSteps)
        {
            currents.Span.Slice(0, blockSteps * images * classes).CopyTo(_currents.AsSpan(_recorded * images * classes));
            _recorded += blockSteps;
        }
    }
}
