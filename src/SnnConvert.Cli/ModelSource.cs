using System.CommandLine;
using System.Globalization;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Onnx;

namespace SnnConvert.Cli;

/// <summary>
/// Where a command's CNN comes from: a SnnConvert model file (--model) or an ONNX file (--onnx), exactly one of
/// them. An ONNX model records no dataset, so it takes the command's --dataset, against which its input shape and
/// class count are then checked like any model's. It records no preprocessing either: --input-scale, --input-mean
/// and --input-std say what was done to the images outside the model (the model sees (scale * x - mean) / std for
/// pixels x in [0, 1]), and --output which graph output holds the class scores.
/// </summary>
public sealed class ModelSource
{
    /// <summary>The options; <paramref name="modelDescription"/> describes --model for this command.</summary>
    public ModelSource(string modelDescription)
    {
        Model = new Option<string?>("--model") { Description = modelDescription + "; or give --onnx" };
        Onnx = new Option<string?>("--onnx") { Description = "A CNN exported to ONNX from PyTorch or Keras (instead of --model); name its dataset with --dataset" };
        InputScale = new Option<string?>("--input-scale")
        {
            Description = "With --onnx: multiply the [0, 1] pixels by this before --input-mean/--input-std (255 for a model trained on 0-255 pixels); default 1",
        };
        InputMean = new Option<string?>("--input-mean")
        {
            Description = "With --onnx: the mean the model's training subtracted outside the model (PyTorch transforms.Normalize), one value or one per channel (0.4914,0.4822,0.4465); default 0",
        };
        InputStd = new Option<string?>("--input-std")
        {
            Description = "With --onnx: the std the model's training divided by outside the model, one value or one per channel; default 1",
        };
        Output = new Option<string?>("--output") { Description = "With --onnx: the graph output holding the class scores, when the graph has several (default: the one computed last)" };
    }

    /// <summary>--model FILE.snnm.</summary>
    public Option<string?> Model { get; }

    /// <summary>--onnx FILE.onnx.</summary>
    public Option<string?> Onnx { get; }

    /// <summary>--input-scale S.</summary>
    public Option<string?> InputScale { get; }

    /// <summary>--input-mean M or M1,M2,M3.</summary>
    public Option<string?> InputMean { get; }

    /// <summary>--input-std S or S1,S2,S3.</summary>
    public Option<string?> InputStd { get; }

    /// <summary>--output NAME.</summary>
    public Option<string?> Output { get; }

    /// <summary>All the options, to add to a command.</summary>
    public IEnumerable<Option> Options => [Model, Onnx, .. OnnxOptions];

    /// <summary>The options that only apply with --onnx.</summary>
    public IEnumerable<Option> OnnxOptions => [InputScale, InputMean, InputStd, Output];

    /// <summary>Adds the --onnx-only options to <paramref name="command"/> (which already has --model and --onnx).</summary>
    public void AddOnnxOptions(Command command)
    {
        foreach (Option option in OnnxOptions) command.Add(option);
    }

    /// <summary>The CNN named by exactly one of the options.</summary>
    /// <exception cref="UsageException">Neither or both options are given.</exception>
    public SavedModel Load(ParseResult parse, string? dataset) =>
        LoadOptional(parse, dataset) ?? throw new UsageException("name the CNN with --model FILE.snnm or --onnx FILE.onnx");

    /// <summary>The CNN named by one of the options, or null when neither is given.</summary>
    /// <exception cref="UsageException">Both options are given, or ONNX-only options come with --model.</exception>
    public SavedModel? LoadOptional(ParseResult parse, string? dataset)
    {
        string? model = parse.GetValue(Model), onnx = parse.GetValue(Onnx);
        if (model is not null && onnx is not null) throw new UsageException("--model and --onnx both name a CNN; give only one of them");
        Option? onnxOnly = OnnxOptions.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        if (onnx is null && onnxOnly is not null)
            throw new UsageException($"{onnxOnly.Name}: applies to --onnx models only; a SnnConvert model (.snnm) records its own input normalisation");
        if (onnx is not null)
        {
            SavedModel imported = OnnxImporter.Load(onnx, dataset, new OnnxImportOptions(InputScaling(parse), parse.GetValue(Output)));
            foreach (var note in imported.Training["importNotes"]?.AsArray() ?? []) Terminal.Log($"note: {note}");
            if (imported.Training["input"] is { } input)
                Terminal.Log($"input: the model sees ({input["scale"]} * x - mean) / std with mean {input["mean"]!.ToJsonString()}, std {input["std"]!.ToJsonString()} for pixels x in [0, 1]");
            return imported;
        }
        return model is null ? null : ModelFile.Load(model);
    }

    /// <summary>Whether the CNN comes from an ONNX file.</summary>
    public bool IsOnnx(ParseResult parse) => parse.GetValue(Onnx) is not null;

    /// <summary>Whether any of --input-scale, --input-mean, --input-std was given.</summary>
    public bool HasInputScaling(ParseResult parse) => new[] { InputScale, InputMean, InputStd }.Any(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>The file given, for reports.</summary>
    public string? Path(ParseResult parse) => parse.GetValue(Onnx) ?? parse.GetValue(Model);

    private OnnxInputScaling? InputScaling(ParseResult parse)
    {
        if (!HasInputScaling(parse)) return null;
        float[] scale = Numbers(parse, InputScale) ?? [1f];
        if (scale.Length != 1) throw new UsageException($"--input-scale: one number is expected, got {scale.Length}");
        return new OnnxInputScaling(scale[0], Numbers(parse, InputMean) ?? [0f], Numbers(parse, InputStd) ?? [1f]);
    }

    private static float[]? Numbers(ParseResult parse, Option<string?> option)
    {
        string? text = parse.GetValue(option);
        if (text is null) return null;
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                throw new UsageException($"{option.Name}: \"{parts[i]}\" is not a number; give one number or a comma-separated list (one per channel)");
        return values;
    }
}
