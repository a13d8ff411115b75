using System.CommandLine;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Reporting;
using SnnConvert.Snn;

namespace SnnConvert.Cli;

/// <summary>Options of the conversion and simulation commands, and their parsing.</summary>
public sealed class SnnOptions
{
    /// <summary>--calib-samples.</summary>
    public Option<int?> CalibSamples { get; } = new("--calib-samples") { Description = "Calibration images: a seeded random subset of the training set (default: all of it, as the seed)" };
    /// <summary>--calib-steps.</summary>
    public Option<int> CalibSteps { get; } = new("--calib-steps") { Description = "Time steps per calibration image (T_calib)", DefaultValueFactory = _ => 64 };
    /// <summary>--percentile.</summary>
    public Option<double?> Percentile { get; } = new("--percentile") { Description = "Percentile of the positive currents/activations (max-current: 100 by default; percentile: 99.9)" };
    /// <summary>--granularity.</summary>
    public Option<string> Granularity { get; } = new("--granularity") { Description = "max-current: channel (the seed) or layer", DefaultValueFactory = _ => "channel" };
    /// <summary>--as-written.</summary>
    public Option<bool> AsWritten { get; } = new("--as-written")
    {
        Description = "max-current as the paper writes it: copy the CNN's weights (by default the synapses leaving each channel are scaled by its threshold)",
    };
    /// <summary>--rescale-inputs: deprecated, accepted and ignored (input rescaling is max-current's default).</summary>
    public Option<bool> RescaleInputs { get; } = new("--rescale-inputs") { Description = "Deprecated: max-current's default now (see --as-written); ignored", Hidden = true };
    /// <summary>--target-T.</summary>
    public Option<int?> TargetT { get; } = new("--target-T")
    {
        Description = "Choose every threshold to minimise the clip-and-floor error at this latency T (Li et al. 2021) instead of the maximum/percentile",
    };
    /// <summary>--calibrate.</summary>
    public Option<string?> Calibrate { get; } = new("--calibrate") { Description = "Corrections after the thresholds, comma-separated: bias, membrane (or none)" };
    /// <summary>--low-latency.</summary>
    public Option<int?> LowLatency { get; } = new("--low-latency")
    {
        Description = "The recommendation for an SNN at latency T: --method max-current --target-T T --calibrate bias,membrane " +
            "(compare, reproduce: --target-T T --calibrate bias,membrane for every method)",
    };
    /// <summary>--post-calib-samples (convert only).</summary>
    public Option<int?> PostCalibSamples { get; } = new("--post-calib-samples")
    {
        Description = $"--calibrate, --low-latency: the images bias and membrane calibration use, a seeded subset of the calibration images (default {PostCalibrator.DefaultImages})",
    };
    /// <summary>--post-calib-passes (convert).</summary>
    public Option<int?> PostCalibPasses { get; } = new("--post-calib-passes")
    {
        Description = $"--calibrate, --low-latency: measure-and-correct passes of each step per layer: after a correction the layer's error is measured again on the same images and corrected again (Hao et al. 2023 shift the membrane iteratively; default {PostCalibrator.DefaultPasses})",
    };
    /// <summary>--membrane-granularity (convert).</summary>
    public Option<string?> MembraneGranularityOption { get; } = new("--membrane-granularity")
    {
        Description = "--calibrate membrane, --low-latency: one calibrated v(0) per channel (default) or per neuron (channel and position; Hao et al. 2023 detect offsets per neuron)",
    };
    /// <summary>--readout-delay (convert).</summary>
    public Option<string?> ReadoutDelayOption { get; } = new("--readout-delay")
    {
        Description = "Steps the output layer waits before it integrates (delayed evaluation, Hwang et al. 2021: the first steps' output is read before the spikes reach the deep layers), " +
            "or auto: chosen at --target-T on the post-calibration images (default 0)",
    };
    /// <summary>--reset.</summary>
    public Option<string> Reset { get; } = new("--reset") { Description = "IF reset: soft (subtract the threshold, the seed) or hard (to zero)", DefaultValueFactory = _ => "soft" };
    /// <summary>--initial-membrane.</summary>
    public Option<string> InitialMembrane { get; } = new("--initial-membrane") { Description = "zero or half (theta/2)", DefaultValueFactory = _ => "zero" };
    /// <summary>--readout.</summary>
    public Option<string?> Readout { get; } = new("--readout") { Description = "membrane (accumulate the output layer, default) or spike-count" };
    /// <summary>--maxpool.</summary>
    public Option<string> MaxPool { get; } = new("--maxpool") { Description = MaxPoolAdvice.Help, DefaultValueFactory = _ => "refuse" };
    /// <summary>--timesteps.</summary>
    public Option<string> Timesteps { get; } = new("--timesteps") { Description = "Comma-separated latencies to report, e.g. 1,2,4,8,16,32,64", DefaultValueFactory = _ => "1,2,4,8,16,32,64,128,256" };
    /// <summary>--encoding.</summary>
    public Option<string> Encoding { get; } = new("--encoding") { Description = "direct (analog input, default) or rate (Bernoulli spikes)", DefaultValueFactory = _ => "direct" };
    /// <summary>--limit.</summary>
    public Option<int?> Limit { get; } = new("--limit") { Description = "Simulate only the first N test images" };
    /// <summary>--batch-size.</summary>
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Images simulated together", DefaultValueFactory = _ => 100 };

    /// <summary>--engine.</summary>
    public Option<string> Engine { get; } = new("--engine")
    {
        Description = "Synaptic currents: auto (event-driven for sparse inputs, dense otherwise, per image and layer), dense or event-driven",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>The calibration options (and --engine, which serves calibration and simulation).</summary>
    public IEnumerable<Option> Calibration => [CalibSamples, CalibSteps, Percentile, Granularity, AsWritten, RescaleInputs, TargetT, Calibrate, LowLatency, Reset, InitialMembrane, Readout, MaxPool, Engine];

    /// <summary>The simulation options.</summary>
    public IEnumerable<Option> Simulation => [Timesteps, Encoding, Limit, BatchSize];

    /// <summary>Parses a comma-separated list of positive latencies.</summary>
    public static int[] ParseTimesteps(string text)
    {
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, out int t) || t <= 0)
                throw new UsageException($"--timesteps: \"{part}\" is not a positive number of time steps (expected e.g. 1,2,4,8)");
            values.Add(t);
        }
        if (values.Count == 0) throw new UsageException("--timesteps: give at least one latency, e.g. 1,2,4,8");
        return values.Distinct().Order().ToArray();
    }

    /// <summary>Parses a named choice case-insensitively, ignoring dashes ("spike-count" = SpikeCount).</summary>
    public static T ParseEnum<T>(string option, string value) where T : struct, Enum =>
        Enum.TryParse(value.Replace("-", ""), ignoreCase: true, out T parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new UsageException($"{option}: unknown value \"{value}\", expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");

    /// <summary>The neuron model chosen.</summary>
    public NeuronModel Neuron(ParseResult parse) => new(ParseEnum<ResetMode>("--reset", parse.GetValue(Reset)!),
        parse.GetValue(InitialMembrane) == "half" ? Snn.InitialMembrane.HalfThreshold : ParseEnum<InitialMembrane>("--initial-membrane", parse.GetValue(InitialMembrane)!));

    /// <summary>The synapse engine chosen.</summary>
    public SynapseEngine EngineChoice(ParseResult parse) => ParseEnum<SynapseEngine>("--engine", parse.GetValue(Engine)!);

    /// <summary>The readout chosen, or null to keep the default.</summary>
    public Readout? ReadoutChoice(ParseResult parse) => parse.GetValue(Readout) is { } r ? ParseEnum<Readout>("--readout", r) : null;

    /// <summary>The threshold method <paramref name="name"/> with the chosen options.</summary>
    public IThresholdMethod Method(ParseResult parse, string name)
    {
        if (parse.GetValue(AsWritten) && parse.GetValue(RescaleInputs))
            throw new UsageException("--rescale-inputs: max-current rescales by default; --as-written asks for copied weights; give one of them");
        if (parse.GetValue(LowLatency) is not null && parse.GetValue(AsWritten))
            throw new UsageException("--low-latency: uses the default max-current; do not also give --as-written");
        return ThresholdMethods.Create(name, parse.GetValue(Percentile), ParseEnum<ThresholdGranularity>("--granularity", parse.GetValue(Granularity)!),
            parse.GetValue(AsWritten));
    }

    /// <summary>The target latency: --low-latency's or --target-T's (null: none).</summary>
    public int? TargetSteps(ParseResult parse)
    {
        int? low = parse.GetValue(LowLatency), target = parse.GetValue(TargetT);
        if (low is <= 0) throw new UsageException($"--low-latency: must be at least 1 time step, got {low}");
        if (target is <= 0) throw new UsageException($"--target-T: must be at least 1 time step, got {target}");
        if (low is not null && target is not null && low != target)
            throw new UsageException($"--target-T: --low-latency {low} already sets the target latency; give one of them");
        return low ?? target;
    }

    /// <summary>The corrections of --calibrate (bias, membrane, none), with both under --low-latency.</summary>
    public PostCalibration PostCalibrationChoice(ParseResult parse)
    {
        var chosen = parse.GetValue(LowLatency) is null ? PostCalibration.None : PostCalibration.Bias | PostCalibration.Membrane;
        foreach (string part in (parse.GetValue(Calibrate) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            chosen |= ParseEnum<PostCalibration>("--calibrate", part);
        return chosen;
    }

    /// <summary>The conversion the options of <paramref name="parse"/> ask for, with the threshold method <paramref name="method"/>.</summary>
    public ConversionOptions Conversion(ParseResult parse, string method, int seed)
    {
        var (delay, chooseDelay) = ReadoutDelayChoice(parse);
        return new()
        {
            Method = Method(parse, method),
            MaxPool = ParseEnum<MaxPoolHandling>("--maxpool", parse.GetValue(MaxPool)!),
            Neuron = Neuron(parse),
            Readout = ReadoutChoice(parse) ?? Snn.Readout.Membrane,
            CalibrationSamples = parse.GetValue(CalibSamples),
            CalibrationSteps = parse.GetValue(CalibSteps),
            Seed = seed,
            BatchSize = parse.GetValue(BatchSize),
            Engine = EngineChoice(parse),
            TargetSteps = TargetSteps(parse),
            PostCalibration = PostCalibrationChoice(parse),
            PostCalibrationSamples = PostCalibrationSamples(parse),
            PostCalibrationPasses = PostCalibrationPasses(parse),
            MembraneGranularity = MembraneGranularityChoice(parse),
            ReadoutDelay = delay,
            ChooseReadoutDelay = chooseDelay,
        };
    }

    /// <summary>
    /// --readout-delay (convert's): a number of steps, or auto (chosen at the target latency, which it needs); 0 when
    /// not given. Refused with the spike-count readout.
    /// </summary>
    public (int Steps, bool Choose) ReadoutDelayChoice(ParseResult parse)
    {
        if (parse.GetValue(ReadoutDelayOption) is not { } text) return (0, false);
        bool choose = text.Equals("auto", StringComparison.OrdinalIgnoreCase);
        int steps = 0;
        if (!choose && (!int.TryParse(text, out steps) || steps < 0))
            throw new UsageException($"--readout-delay: expected auto or a number of steps (0 or more), got \"{text}\"");
        if (ReadoutChoice(parse) == Snn.Readout.SpikeCount)
            throw new UsageException("--readout-delay: delays the membrane readout; do not also give --readout spike-count");
        if (choose && TargetSteps(parse) is null)
            throw new UsageException("--readout-delay: auto chooses the delay for a target latency; give --target-T (or --low-latency), or a number of steps");
        return (steps, choose);
    }

    /// <summary>
    /// The images post-calibration uses at most: --post-calib-samples (convert's), refused without --calibrate or
    /// --low-latency (it would change nothing), else the library's default.
    /// </summary>
    public int PostCalibrationSamples(ParseResult parse) => PostCalibrationCount(parse, PostCalibSamples, "image", "images", PostCalibrator.DefaultImages);

    /// <summary>
    /// The measure-and-correct passes of post-calibration: --post-calib-passes (convert's), refused without --calibrate
    /// or --low-latency (it would change nothing), else the library's default.
    /// </summary>
    public int PostCalibrationPasses(ParseResult parse) => PostCalibrationCount(parse, PostCalibPasses, "pass", "passes", PostCalibrator.DefaultPasses);

    // A positive count that only post-calibration reads: refused below one, and without --calibrate or --low-latency.
    private int PostCalibrationCount(ParseResult parse, Option<int?> option, string one, string many, int fallback)
    {
        if (parse.GetValue(option) is not { } count) return fallback;
        if (count <= 0) throw new UsageException($"{option.Name}: post-calibration needs at least one {one}, got {count}");
        if (PostCalibrationChoice(parse) == PostCalibration.None)
            throw new UsageException($"{option.Name}: only sets the {many} of --calibrate bias/membrane or --low-latency; give one of them");
        return count;
    }

    /// <summary>
    /// Membrane calibration's granularity: --membrane-granularity (convert's), refused without membrane calibration
    /// (--calibrate membrane or --low-latency), else per channel.
    /// </summary>
    public MembraneGranularity MembraneGranularityChoice(ParseResult parse)
    {
        if (parse.GetValue(MembraneGranularityOption) is not { } text) return MembraneGranularity.Channel;
        var granularity = ParseEnum<MembraneGranularity>("--membrane-granularity", text);
        if (!PostCalibrationChoice(parse).HasFlag(PostCalibration.Membrane))
            throw new UsageException("--membrane-granularity: only sets how --calibrate membrane (or --low-latency) sets v(0); give one of them");
        return granularity;
    }

    /// <summary>The settings of compare and reproduce for <paramref name="methods"/> (every method shares them).</summary>
    public ReproductionOptions Reproduction(ParseResult parse, IReadOnlyList<MethodVariant> methods, int seed) => new(
        methods, ParseTimesteps(parse.GetValue(Timesteps)!), ParseEnum<InputEncoding>("--encoding", parse.GetValue(Encoding)!),
        parse.GetValue(CalibSamples), parse.GetValue(CalibSteps), seed, parse.GetValue(BatchSize),
        ParseEnum<MaxPoolHandling>("--maxpool", parse.GetValue(MaxPool)!), Neuron(parse), ReadoutChoice(parse), EngineChoice(parse),
        TargetSteps(parse), PostCalibrationChoice(parse));

    /// <summary>
    /// Parses every calibration option and the threshold methods <paramref name="methods"/>, so that a mistake is
    /// reported (exit code 2) before any model or dataset is read.
    /// </summary>
    public void ValidateCalibration(ParseResult parse, IEnumerable<string> methods)
    {
        foreach (string name in methods) Method(parse, name);
        _ = TargetSteps(parse);
        _ = PostCalibrationChoice(parse);
        _ = Neuron(parse);
        _ = ReadoutChoice(parse);
        _ = EngineChoice(parse);
        _ = ParseEnum<MaxPoolHandling>("--maxpool", parse.GetValue(MaxPool)!);
        if (parse.GetValue(CalibSamples) is <= 0 and var samples)
            throw new UsageException($"--calib-samples: calibration needs at least one image, got {samples}");
        if (parse.GetValue(CalibSteps) is <= 0 and var steps) throw new UsageException($"--calib-steps: must be at least 1, got {steps}");
        if (parse.GetValue(BatchSize) is <= 0 and var batch) throw new UsageException($"--batch-size: must be at least 1, got {batch}");
    }

    /// <summary>Parses every simulation option, so that a mistake is reported (exit code 2) before any model or dataset is read.</summary>
    public void ValidateSimulation(ParseResult parse)
    {
        _ = ParseTimesteps(parse.GetValue(Timesteps)!);
        _ = ParseEnum<InputEncoding>("--encoding", parse.GetValue(Encoding)!);
        _ = EngineChoice(parse);
        CheckLimit("--limit", parse.GetValue(Limit));
        if (parse.GetValue(BatchSize) is <= 0 and var batch) throw new UsageException($"--batch-size: must be at least 1, got {batch}");
    }

    /// <summary>Refuses an image limit below 1 (<paramref name="option"/> names it in the message).</summary>
    public static void CheckLimit(string option, int? limit)
    {
        if (limit is <= 0) throw new UsageException($"{option}: must be at least 1 image, got {limit}");
    }
}
