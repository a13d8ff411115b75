using System.Text.Json.Nodes;
using Google.Protobuf;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Onnx.Proto;

namespace SnnConvert.Onnx;

/// <summary>
/// Imports a CNN from an ONNX file (as written by torch.onnx.export, keras2onnx, tf2onnx or CNTK, opset 7 to 21) into a
/// <see cref="SavedModel"/> that evaluates, converts and simulates like a zoo model. The graph must be a chain of
/// the supported operators from one image input (N, C, H, W) (or NHWC, made NCHW by the graph) to one class-score
/// output (N, K); see docs/onnx.md for the mapping. Everything else is refused with an <see cref="OnnxFormatException"/> naming the node.
/// What the import changed (a final Softmax dropped, dense layers merged) is listed in the model's
/// <c>Training["importNotes"]</c>; input scaling given in <see cref="OnnxImportOptions"/> in <c>Training["input"]</c>.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Lowest standard-domain opset imported.</summary>
    public const int MinOpset = 7;

    /// <summary>Highest standard-domain opset imported.</summary>
    public const int MaxOpset = 21;

    /// <summary>Reads and imports the ONNX file at <paramref name="path"/>.</summary>
    /// <param name="path">The .onnx file; the model is named after it.</param>
    /// <param name="dataset">The dataset the model is for ("mnist", ...), recorded in the model; null when unknown.</param>
    /// <param name="options">Input scaling outside the graph and the output to import; null for the defaults.</param>
    /// <exception cref="OnnxFormatException">The file is unreadable, not ONNX, or its graph is not supported.</exception>
    /// <exception cref="InvalidSettingException">The input scaling does not fit the model's channels.</exception>
    public static SavedModel Load(string path, string? dataset = null, OnnxImportOptions? options = null)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"{path}: cannot read the ONNX file: {e.Message}", e);
        }
        ModelProto model = Parse(bytes, path);
        // Weights that PyTorch 2.x saves beside the model (model.onnx.data) are read from the model's folder.
        OnnxExternalData.Resolve(model, path);
        return Import(model, path, dataset, options);
    }

    /// <summary>Imports an ONNX model held in memory.</summary>
    /// <param name="bytes">The serialised ModelProto.</param>
    /// <param name="source">Names the model in messages; its file name without extension names the network.</param>
    /// <param name="dataset">The dataset the model is for, or null.</param>
    /// <param name="options">Input scaling outside the graph and the output to import; null for the defaults.</param>
    /// <exception cref="OnnxFormatException">The bytes are not ONNX or the graph is not supported (weights in external files need <see cref="Load"/>).</exception>
    /// <exception cref="InvalidSettingException">The input scaling does not fit the model's channels.</exception>
    public static SavedModel Import(byte[] bytes, string source, string? dataset = null, OnnxImportOptions? options = null) =>
        Import(Parse(bytes, source), source, dataset, options);

    private static SavedModel Import(ModelProto model, string source, string? dataset, OnnxImportOptions? options)
    {
        options ??= OnnxImportOptions.Default;
        int opset = StandardOpset(model, source);
        var graph = new OnnxGraph(model.Graph, source, opset, options.Output);
        var (layers, inputShape, notes) = OnnxChainImport.Run(graph, options.Input);
        Network network = Build(source, inputShape, layers);
        string[] classes = Enumerable.Range(0, network.ClassCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var training = new JsonObject
        {
            ["source"] = "onnx",
            ["file"] = source,
            ["producer"] = $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            ["opset"] = opset,
            ["output"] = graph.Output,
        };
        if (options.Input is { IsIdentity: false } input) training["input"] = input.ToJson();
        if (notes.Count > 0) training["importNotes"] = new JsonArray(notes.Select(n => (JsonNode)n).ToArray());
        return new SavedModel(network, dataset, classes, training);
    }

    private static ModelProto Parse(byte[] bytes, string source)
    {
        if (bytes.Length == 0) throw new OnnxFormatException($"{source}: the file is empty, not an ONNX model");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"{source}: not a readable ONNX model (truncated or corrupt protobuf: {e.Message})", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            throw new OnnxFormatException($"{source}: not an ONNX model: it holds no graph (a truncated or different file?)");
        return model;
    }

    private static int StandardOpset(ModelProto model, string source)
    {
        OperatorSetIdProto? standard = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (standard is null)
            throw new OnnxFormatException($"{source}: the model imports no standard ONNX opset (opset_import has no entry for the default domain)");
        if (standard.Version is < MinOpset or > MaxOpset)
            throw new OnnxFormatException($"{source}: opset {standard.Version} is outside the supported {MinOpset} to {MaxOpset}; re-export with opset_version between them");
        return (int)standard.Version;
    }

    // Builds the network from the specs, then copies each layer's tensors into its parameters and buffers by name.
    private static Network Build(string source, int[] inputShape, IReadOnlyList<ImportedLayer> layers)
    {
        string name = Path.GetFileNameWithoutExtension(source);
        if (string.IsNullOrEmpty(name)) name = "onnx-model";
        Network network;
        try { network = new Network(name, layers.Select(l => l.Spec).ToArray(), inputShape, new Random(0)); }
        catch (ArgumentException e) { throw new OnnxFormatException($"{source}: the imported layers do not fit together: {e.Message}", e); }
        for (int i = 0; i < layers.Count; i++)
        {
            var targets = network.Layers[i].Parameters.Select(p => (p.Name, p.Value)).Concat(network.Layers[i].Buffers).ToArray();
            if (targets.Length != layers[i].Tensors.Count)
                throw new InvalidOperationException($"{source}: {layers[i].Node}: imported {layers[i].Tensors.Count} tensors for a layer that has {targets.Length}");
            foreach (var (tensorName, target) in targets)
            {
                float[] values = layers[i].Tensors[tensorName];
                if (values.Length != target.Length)
                    throw new OnnxFormatException($"{source}: {layers[i].Node}: {tensorName} has {values.Length} values, the layer needs {target.Length}");
                values.CopyTo(target.Data, 0);
            }
        }
        return network;
    }
}
