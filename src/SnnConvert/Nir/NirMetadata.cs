namespace SnnConvert.Nir;

/// <summary>
/// Metadata entries SnnConvert writes beside the NIR primitives. The NIR specification says no backend may rely on
/// metadata, so none of these changes what the graph computes for another tool; they carry what NIR cannot express
/// (soft reset, the initial membrane, folded pad values) and what makes <see cref="NirImporter"/> give back the exact
/// network (class names, threshold granularity, the conversion record). See docs/nir.md.
/// </summary>
public static class NirMetadata
{
    /// <summary>Graph: the time step the IF and integrator nodes' r = 1 assumes (1.0: one simulation step per unit of time).</summary>
    public const string TimeStep = "dt";

    /// <summary>Graph: source model name.</summary>
    public const string Name = "snnconvert_name";

    /// <summary>Graph: dataset the source model was trained on (absent when unknown).</summary>
    public const string Dataset = "snnconvert_dataset";

    /// <summary>Graph: class names, strings [K].</summary>
    public const string Classes = "snnconvert_classes";

    /// <summary>Graph: "membrane" or "spikecount", as in the .snn header.</summary>
    public const string Readout = "snnconvert_readout";

    /// <summary>Graph: "zero" or "halfthreshold": v(0) of every IF neuron (NIR has no initial state).</summary>
    public const string InitialMembrane = "snnconvert_initial_membrane";

    /// <summary>Graph: the .snn header's "conversion" object as JSON text (method, calibration, statistics).</summary>
    public const string Conversion = "snnconvert_conversion";

    /// <summary>IF node: "subtract" (soft reset, v -= theta) or "zero" (hard reset to v_reset = 0).</summary>
    public const string Reset = "snnconvert_reset";

    /// <summary>IF node or the output layer's node: "layer" (one threshold) or "channel" (one per output channel), before broadcasting.</summary>
    public const string ThresholdGranularity = "snnconvert_thresholds";

    /// <summary>
    /// IF node: the thresholds (one per channel, or one) its stage's weights and bias were divided by, so that v_threshold
    /// is 1; the importer multiplies them back. Output layer under membrane readout (its weighted node, or the I node of
    /// files before NIR 1.0.7 naming): the thresholds it carries, unused by the simulation.
    /// </summary>
    public const string OriginalThresholds = "snnconvert_v_threshold";

    /// <summary>Conv2d / Affine node: indices (weights in file order, then biases) of the values whose division by the threshold does not multiply back exactly, integers [n].</summary>
    public const string ExactIndex = "snnconvert_exact_index";

    /// <summary>Conv2d / Affine node: the stage's exact values at <see cref="ExactIndex"/>, floats [n].</summary>
    public const string ExactValue = "snnconvert_exact_value";

    /// <summary>Conv2d / Affine node: "none" when the stage has no bias (NIR's Conv2d always stores one, here zeros).</summary>
    public const string Bias = "snnconvert_bias";

    /// <summary>Conv2d node after an input shift: the stage's pad values [Cin] (padding reads them instead of 0).</summary>
    public const string PadValues = "snnconvert_pad_values";

    /// <summary>Conv2d node after an input shift: the stage's bias before the pad values were folded into it [Cout].</summary>
    public const string BiasBeforeShift = "snnconvert_bias_before_shift";

    /// <summary>Conv2d node: "input_shift" on the 1x1 identity convolution that subtracts the pad values.</summary>
    public const string Role = "snnconvert_role";

    /// <summary>The <see cref="Role"/> of an input-shift node.</summary>
    public const string InputShiftRole = "input_shift";
}
