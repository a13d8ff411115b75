namespace SnnConvert.Snn;

/// <summary>Spikes and synaptic operations of one spiking stage, summed over images, per time step.</summary>
/// <param name="Stage">Index of the stage in the network.</param>
/// <param name="Name">Description of the stage.</param>
/// <param name="Neurons">Neurons per image.</param>
/// <param name="SpikesAtStep">Spikes at each step (index t = step t+1), over all images.</param>
/// <param name="SynOpsAtStep">Synaptic operations caused by those spikes at each step, over all images.</param>
public sealed record LayerActivity(int Stage, string Name, long Neurons, long[] SpikesAtStep, double[] SynOpsAtStep)
{
    /// <summary>Spikes per image over the first <paramref name="steps"/> steps.</summary>
    public double SpikesPerImage(int steps, int images) => SpikesAtStep.Take(steps).Sum() / (double)images;

    /// <summary>Spikes per neuron per step over the first <paramref name="steps"/> steps.</summary>
    public double FiringRate(int steps, int images) => SpikesPerImage(steps, images) / (Neurons * (double)steps);

    /// <summary>Synaptic operations per image over the first <paramref name="steps"/> steps.</summary>
    public double SynOpsPerImage(int steps, int images) => SynOpsAtStep.Take(steps).Sum() / images;
}

/// <summary>
/// What one simulation measured: correct predictions after every step (so accuracy at any T up to the
/// simulated length comes from one run), agreement with the CNN's predictions, and per-layer activity.
/// Energy follows docs/method.md, "SynOps and energy" (Horowitz 2014, 45 nm): 0.9 pJ per synaptic operation, 4.6 pJ per MAC; under direct
/// input the first weighted layer receives analog values, so it counts its MACs at every step.
/// </summary>
public sealed record SimulationResult(int Images, int Steps, InputEncoding Encoding, long[] CorrectAtStep, long[]? AgreementAtStep,
    IReadOnlyList<LayerActivity> Layers, long[] InputSpikesAtStep, double[] InputSynOpsAtStep, long FirstLayerMacs, long CnnMacs)
{
    /// <summary>Energy of an accumulate (SNN synaptic operation) in pJ.</summary>
    public const double PicojoulesPerSynOp = 0.9;

    /// <summary>Energy of a multiply-accumulate in pJ.</summary>
    public const double PicojoulesPerMac = 4.6;

    /// <summary>Accuracy in percent after <paramref name="steps"/> steps.</summary>
    public double Accuracy(int steps) => 100.0 * CorrectAtStep[steps - 1] / Images;

    /// <summary>Percentage of images whose SNN prediction after <paramref name="steps"/> steps equals the CNN's, or null.</summary>
    public double? Agreement(int steps) => AgreementAtStep is null ? null : 100.0 * AgreementAtStep[steps - 1] / Images;

    /// <summary>Spikes per image of all spiking layers over <paramref name="steps"/> steps (input spikes not included).</summary>
    public double SpikesPerImage(int steps) => Layers.Sum(l => l.SpikesPerImage(steps, Images));

    /// <summary>Synaptic operations per image over <paramref name="steps"/> steps: hidden spikes, plus input spikes under rate coding.</summary>
    public double SynOpsPerImage(int steps) =>
        Layers.Sum(l => l.SynOpsPerImage(steps, Images)) + InputSynOpsAtStep.Take(steps).Sum() / Images;

    /// <summary>MACs per image over <paramref name="steps"/> steps: the first layer's, at every step, under direct input.</summary>
    public double MacsPerImage(int steps) => Encoding == InputEncoding.Direct ? (double)FirstLayerMacs * steps : 0;

    /// <summary>Estimated energy per image in microjoules over <paramref name="steps"/> steps.</summary>
    public double EnergyMicrojoules(int steps) => (SynOpsPerImage(steps) * PicojoulesPerSynOp + MacsPerImage(steps) * PicojoulesPerMac) * 1e-6;

    /// <summary>Estimated energy per image of the CNN in microjoules.</summary>
    public double CnnEnergyMicrojoules => CnnMacs * PicojoulesPerMac * 1e-6;
}
