using System.Text.Json;
using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Layers;
using SnnConvert.Tensors;

namespace SnnConvert.Models;

/// <summary>
/// Reads and writes SnnConvert model files (.snnm): a <see cref="TensorContainer"/> of kind "model" whose JSON
/// header holds "name", "inputShape", "dataset", "classes", "architecture" (layer specs) and "training"
/// (metadata), and whose tensors are the network's parameters and buffers named "layerIndex.name".
/// See docs/model-format.md.
/// </summary>
public static class ModelFile
{
    /// <summary>JSON options for layer specs (camelCase, "type" discriminator).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Writes the model atomically.</summary>
    public static void Save(string path, SavedModel model) =>
        TensorContainer.Save(path, "model", Header(model), model.Network.StateTensors);

    /// <summary>The JSON header describing <paramref name="model"/>.</summary>
    public static JsonObject Header(SavedModel model) => new()
    {
        ["name"] = model.Network.Name,
        ["inputShape"] = new JsonArray(model.Network.InputShape.Select(d => (JsonNode)d).ToArray()),
        ["dataset"] = model.Dataset,
        ["classes"] = new JsonArray(model.ClassNames.Select(c => (JsonNode)c!).ToArray()),
        ["architecture"] = JsonSerializer.SerializeToNode(model.Network.Architecture.ToArray(), JsonOptions),
        ["training"] = model.Training.DeepClone(),
    };

    /// <summary>Loads and verifies a model file.</summary>
    /// <exception cref="ModelFormatException">The file is unreadable, altered, or its weights do not match its architecture.</exception>
    public static SavedModel Load(string path)
    {
        var contents = TensorContainer.Load(path);
        if (contents.Kind != "model")
            throw new ModelFormatException($"{path}: file kind is \"{contents.Kind}\", expected \"model\" (a checkpoint? train resumes from it with {SettingReference.To(SettingNames.Resume)})");
        return FromHeader(path, contents.Header, contents.Tensors);
    }

    /// <summary>Rebuilds a model from a header and tensors (shared with checkpoints).</summary>
    /// <exception cref="ModelFormatException">A field is missing, or the tensors do not match the architecture.</exception>
    public static SavedModel FromHeader(string path, JsonObject header, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        string name = Field(path, header, "name", n => n.GetValue<string>())
            ?? throw new ModelFormatException($"{path}: header field \"name\" is missing");
        int[] inputShape = Field(path, header, "inputShape", n => n.AsArray().Select(Int).ToArray())
            ?? throw new ModelFormatException($"{path}: header field \"inputShape\" is missing");
        LayerSpec[] architecture = Field(path, header, "architecture", n => n.Deserialize<LayerSpec[]>(JsonOptions))
            ?? throw new ModelFormatException($"{path}: header field \"architecture\" is missing");
        if (architecture.Any(spec => spec is null))
            throw new ModelFormatException($"{path}: header field \"architecture\" is malformed: a layer is null");
        string[] classes = Field(path, header, "classes", n => n.AsArray().Select(Text).ToArray()) ?? [];
        CheckSizes(path, inputShape, architecture, tensors);
        Network network;
        try { network = new Network(name, architecture, inputShape, new Random(0)); }
        catch (ArgumentException e) { throw new ModelFormatException($"{path}: architecture is inconsistent: {e.Message}", e); }
        if (classes.Length != network.ClassCount)
            throw new ModelFormatException($"{path}: header lists {classes.Length} class names but the network outputs {network.ClassCount} scores");

        var stored = new Dictionary<string, Tensor>();
        foreach (var (tensorName, value) in tensors)
            if (!stored.TryAdd(tensorName, value)) throw new ModelFormatException($"{path}: tensor \"{tensorName}\" appears twice");
        foreach (var (tensorName, target) in network.StateTensors)
        {
            if (!stored.Remove(tensorName, out Tensor? value))
                throw new ModelFormatException($"{path}: tensor \"{tensorName}\" of shape {target.ShapeText} is missing: weights do not match the architecture");
            if (!value.SameShape(target))
                throw new ModelFormatException($"{path}: tensor \"{tensorName}\" has shape {value.ShapeText}, the architecture needs {target.ShapeText}");
            int bad = Array.FindIndex(value.Data, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new ModelFormatException($"{path}: tensor \"{tensorName}\" holds a non-finite value ({value.Data[bad]}) at index {bad}");
            value.Data.CopyTo(target.Data, 0);
        }
        if (stored.Count > 0)
            throw new ModelFormatException($"{path}: tensor \"{stored.Keys.First()}\" is not part of the architecture: weights do not match the architecture");
        string? dataset = Field(path, header, "dataset", n => n.GetValue<string>());
        JsonObject training = Field(path, header, "training", n => n.AsObject().DeepClone().AsObject()) ?? new JsonObject();
        return new SavedModel(network, dataset, classes, training);
    }

    // The header is not trusted for allocation: building the network allocates every parameter the architecture
    // names, so a lying header ("linear 100000->100000" in a 1 kB file) must fail here, against the values the file
    // really holds, before anything is allocated.
    private static void CheckSizes(string path, int[] inputShape, LayerSpec[] architecture, IReadOnlyList<(string Name, Tensor Value)> tensors)
    {
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0 || d > MaxDimension))
            throw new ModelFormatException($"{path}: header field \"inputShape\" is {Tensor.ShapeToText(inputShape)}; every dimension must be 1..{MaxDimension}");
        double needed = 0;
        foreach (LayerSpec spec in architecture)
            needed += Math.Abs(spec switch   // a negative size must not cancel a huge one
            {
                Conv2dSpec c => (double)c.OutChannels * c.InChannels * c.Kernel * c.Kernel + (c.Bias ? c.OutChannels : 0),
                LinearSpec l => (double)l.InFeatures * l.OutFeatures + (l.Bias ? l.OutFeatures : 0),
                BatchNorm2dSpec b => 4.0 * b.Channels,   // scale, shift, running mean, running variance
                BatchNorm1dSpec b => 4.0 * b.Features,
                _ => 0,
            });
        long stored = tensors.Sum(t => (long)t.Value.Length);
        // Small differences fall through to the per-tensor checks after the build, whose messages name the tensor.
        if (needed > stored + SizeSlack)
            throw new ModelFormatException($"{path}: the architecture needs {needed:0} weight values but the file holds {stored}: weights do not match the architecture");
    }

    // Values an architecture may name beyond those stored before it is refused unbuilt (4 MiB of floats).
    private const double SizeSlack = 1 << 20;

    // Largest input dimension accepted; real image inputs are far smaller.
    private const int MaxDimension = 1 << 16;

    private static int Int(JsonNode? node) => node?.GetValue<int>() ?? throw new FormatException("an element is null");

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? throw new FormatException("an element is null");

    // Reads an optional header field (null when absent); a value of the wrong JSON type or shape becomes a
    // ModelFormatException naming the file and the field.
    private static T? Field<T>(string path, JsonObject header, string field, Func<JsonNode, T?> read)
    {
        try
        {
            JsonNode? node = header[field];
            return node is null ? default : read(node);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException or NotSupportedException or ArgumentException)
        {
            throw new ModelFormatException($"{path}: header field \"{field}\" is malformed: {e.Message}", e);
        }
    }
}
