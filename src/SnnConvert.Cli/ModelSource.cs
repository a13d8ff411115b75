using System.CommandLine;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Onnx;

namespace SnnConvert.Cli;

/// <summary>
/// Where a command's CNN comes from: a SnnConvert model file (--model) or an ONNX file (--onnx), exactly one of
/// them. An ONNX model records no dataset, so it takes the command's --dataset, against which its input shape and
/// class count are then checked like any model's.
/// </summary>
public sealed class ModelSource
{
    /// <summary>The two options; <paramref name="modelDescription"/> describes --model for this command.</summary>
    public ModelSource(string modelDescription)
    {
        Model = new Option<string?>("--model") { Description = modelDescription + "; or give --onnx" };
        Onnx = new Option<string?>("--onnx") { Description = "A CNN exported to ONNX from PyTorch or Keras (instead of --model); name its dataset with --dataset" };
    }

    /// <summary>--model FILE.snnm.</summary>
    public Option<string?> Model { get; }

    /// <summary>--onnx FILE.onnx.</summary>
    public Option<string?> Onnx { get; }

    /// <summary>Both options, to add to a command.</summary>
    public IEnumerable<Option> Options => [Model, Onnx];

    /// <summary>The CNN named by exactly one of the options.</summary>
    /// <exception cref="UsageException">Neither or both options are given.</exception>
    public SavedModel Load(ParseResult parse, string? dataset) =>
        LoadOptional(parse, dataset) ?? throw new UsageException("name the CNN with --model FILE.snnm or --onnx FILE.onnx");

    /// <summary>The CNN named by one of the options, or null when neither is given.</summary>
    /// <exception cref="UsageException">Both options are given.</exception>
    public SavedModel? LoadOptional(ParseResult parse, string? dataset)
    {
        string? model = parse.GetValue(Model), onnx = parse.GetValue(Onnx);
        if (model is not null && onnx is not null) throw new UsageException("--model and --onnx both name a CNN; give only one of them");
        if (onnx is not null) return OnnxImporter.Load(onnx, dataset);
        return model is null ? null : ModelFile.Load(model);
    }

    /// <summary>The file given, for reports.</summary>
    public string? Path(ParseResult parse) => parse.GetValue(Onnx) ?? parse.GetValue(Model);
}
