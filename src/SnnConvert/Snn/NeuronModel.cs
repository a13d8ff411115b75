namespace SnnConvert.Snn;

/// <summary>How a neuron's membrane is reset after a spike.</summary>
public enum ResetMode
{
    /// <summary>Reset by subtraction: v -= theta (keeps the surplus; the seed method's choice).</summary>
    Soft,
    /// <summary>Reset to zero: v = 0 (discards the surplus).</summary>
    Hard,
}

/// <summary>Membrane potential at t = 0.</summary>
public enum InitialMembrane
{
    /// <summary>v(0) = 0.</summary>
    Zero,
    /// <summary>v(0) = theta / 2, which centres the rounding error of the rate code.</summary>
    HalfThreshold,
}

/// <summary>How the class is read from the output layer.</summary>
public enum Readout
{
    /// <summary>The output layer does not spike; the class is the arg-max of its accumulated membrane potential.</summary>
    Membrane,
    /// <summary>The output layer spikes; the class is the arg-max of its spike counts (ties broken by membrane potential).</summary>
    SpikeCount,
}

/// <summary>How images enter the first layer.</summary>
public enum InputEncoding
{
    /// <summary>The image (pixels in [0, 1]) is the first layer's input at every step.</summary>
    Direct,
    /// <summary>Each pixel spikes at each step with probability equal to its intensity (Bernoulli), seeded.</summary>
    Rate,
}

/// <summary>Integrate-and-fire neuron settings shared by all spiking layers of a network.</summary>
/// <param name="Reset">Soft (subtract) or hard (zero) reset.</param>
/// <param name="Initial">Initial membrane potential.</param>
public sealed record NeuronModel(ResetMode Reset = ResetMode.Soft, InitialMembrane Initial = InitialMembrane.Zero);
