using System.Text.Json.Nodes;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// Reads and writes converted networks (.snn): a <see cref="TensorContainer"/> of kind "snn". The JSON header holds
/// "name", "inputShape", "dataset", "classes", "neuron" ({"reset": "soft"|"hard", "initialMembrane": "zero"|"halfthreshold"}),
/// "readout" ("membrane"|"spikecount"), "layers" (each {"type": "conv2d"|"linear"|"avgpool2d"|"gatedmaxpool2d"|"flatten", sizes,
/// "spiking"}), "conversion" (method, options, calibration statistics) and, when the output layer's integration is delayed,
/// "readoutDelay" (steps, <see cref="SpikingNetwork.ReadoutDelay"/>). Tensors are named "stage.weight",
/// "stage.bias", "stage.thresholds", "stage.pad_values" and, after membrane calibration, "stage.initial_potential" (v(0) per
/// output channel). See docs/snn-format.md.
/// </summary>
public static class SnnFile
{
    /// <summary>Writes the network atomically.</summary>
    public static void Save(string path, SpikingNetwork net)
    {
        var layers = new JsonArray();
        var tensors = new List<(string, Tensor)>();
        for (int i = 0; i < net.Layers.Count; i++)
        {
            JsonObject entry;
            switch (net.Layers[i])
            {
                case SnnConv2d c:
                    entry = new JsonObject { ["type"] = "conv2d", ["inChannels"] = c.InChannelCount, ["outChannels"] = c.OutChannelCount, ["kernel"] = c.Kernel, ["stride"] = c.Stride, ["padding"] = c.Padding };
                    AddSynaptic(entry, tensors, i, c, [c.OutChannelCount, c.InChannelCount, c.Kernel, c.Kernel]);
                    if (c.PadValues is { } pad) tensors.Add(($"{i}.pad_values", new Tensor(pad, pad.Length)));
                    break;
                case SnnLinear l:
                    entry = new JsonObject { ["type"] = "linear", ["inFeatures"] = l.InFeatures, ["outFeatures"] = l.OutFeatures };
                    AddSynaptic(entry, tensors, i, l, [l.OutFeatures, l.InFeatures]);
                    break;
                case SnnAvgPool2d p:
                    entry = new JsonObject { ["type"] = "avgpool2d", ["kernel"] = p.Kernel, ["stride"] = p.Stride };
                    break;
                case SnnGatedMaxPool2d g:
                    entry = new JsonObject { ["type"] = "gatedmaxpool2d", ["kernel"] = g.Kernel, ["stride"] = g.Stride };
                    break;
                default:
                    entry = new JsonObject { ["type"] = "flatten" };
                    break;
            }
            layers.Add(entry);
        }
        var header = new JsonObject
        {
            ["name"] = net.Name,
            ["inputShape"] = new JsonArray(net.InputShape.Select(d => (JsonNode)d).ToArray()),
            ["dataset"] = net.Dataset,
            ["classes"] = new JsonArray(net.ClassNames.Select(c => (JsonNode)c!).ToArray()),
            ["neuron"] = new JsonObject { ["reset"] = net.Neuron.Reset.ToString().ToLowerInvariant(), ["initialMembrane"] = net.Neuron.Initial.ToString().ToLowerInvariant() },
            ["readout"] = net.Readout.ToString().ToLowerInvariant(),
            ["layers"] = layers,
            ["conversion"] = net.Conversion.ToJson(),
        };
        if (net.ReadoutDelay != 0) header["readoutDelay"] = net.ReadoutDelay;   // only when set, so that earlier files keep their bytes
        TensorContainer.Save(path, "snn", header, tensors);
    }

    private static void AddSynaptic(JsonObject entry, List<(string, Tensor)> tensors, int i, SynapticLayer layer, int[] weightShape)
    {
        entry["spiking"] = layer.Spiking;
        tensors.Add(($"{i}.weight", new Tensor(layer.Weight, weightShape)));
        if (layer.Bias is { } b) tensors.Add(($"{i}.bias", new Tensor(b, b.Length)));
        if (layer.Thresholds.Length > 0) tensors.Add(($"{i}.thresholds", new Tensor(layer.Thresholds, layer.Thresholds.Length)));
        if (layer.InitialPotential is { } v0) tensors.Add(($"{i}.initial_potential", new Tensor(v0, v0.Length)));
    }

    /// <summary>Loads and verifies an SNN file.</summary>
    /// <exception cref="ModelFormatException">The file is unreadable, altered, or inconsistent.</exception>
    public static SpikingNetwork Load(string path)
    {
        var contents = TensorContainer.Load(path);
        if (contents.Kind != "snn")
            throw new ModelFormatException($"{path}: file kind is \"{contents.Kind}\", expected \"snn\" (a converted network; make one with `snnconvert convert`)");
        var tensors = new Dictionary<string, float[]>();
        foreach (var (name, value) in contents.Tensors)
            if (!tensors.TryAdd(name, value.Data)) throw new ModelFormatException($"{path}: tensor \"{name}\" is stored twice");
        JsonObject h = contents.Header;
        try
        {
            var layers = new List<SnnLayer>();
            JsonArray entries = h["layers"]?.AsArray() ?? throw Missing(path, "layers");
            for (int i = 0; i < entries.Count; i++)
            {
                JsonObject e = entries[i]?.AsObject() ?? throw Missing(path, $"layers[{i}]");
                string type = e["type"]?.GetValue<string>() ?? throw Missing(path, $"layers[{i}].type");
                int Int(string field) => e[field]?.GetValue<int>() ?? throw Missing(path, $"layers[{i}].{field}");
                float[] Required(string name) => tensors.Remove($"{i}.{name}", out float[]? v) ? v : throw new ModelFormatException($"{path}: tensor \"{i}.{name}\" is missing");
                float[]? Optional(string name) => tensors.Remove($"{i}.{name}", out float[]? v) ? v : null;
                bool spiking = type is "conv2d" or "linear" && (e["spiking"]?.GetValue<bool>() ?? throw Missing(path, $"layers[{i}].spiking"));
                layers.Add(type switch
                {
                    "conv2d" => new SnnConv2d(Int("inChannels"), Int("outChannels"), Int("kernel"), Int("stride"), Int("padding"))
                    { Weight = Required("weight"), Bias = Optional("bias"), Thresholds = Optional("thresholds") ?? [], PadValues = Optional("pad_values"), InitialPotential = Optional("initial_potential"), Spiking = spiking },
                    "linear" => new SnnLinear(Int("inFeatures"), Int("outFeatures"))
                    { Weight = Required("weight"), Bias = Optional("bias"), Thresholds = Optional("thresholds") ?? [], InitialPotential = Optional("initial_potential"), Spiking = spiking },
                    "avgpool2d" => new SnnAvgPool2d(Int("kernel"), Int("stride")),
                    "gatedmaxpool2d" => new SnnGatedMaxPool2d(Int("kernel"), Int("stride")),
                    "flatten" => new SnnFlatten(),
                    _ => throw new ModelFormatException($"{path}: layers[{i}].type is \"{type}\", expected conv2d, linear, avgpool2d, gatedmaxpool2d or flatten"),
                });
            }
            if (tensors.Count > 0) throw new ModelFormatException($"{path}: tensor \"{tensors.Keys.First()}\" belongs to no layer");
            JsonObject neuron = h["neuron"]?.AsObject() ?? throw Missing(path, "neuron");
            var net = new SpikingNetwork(
                h["name"]?.GetValue<string>() ?? throw Missing(path, "name"),
                h["inputShape"]?.AsArray().Select(d => d?.GetValue<int>() ?? throw new FormatException("an element of inputShape is null")).ToArray() ?? throw Missing(path, "inputShape"),
                layers,
                h["classes"]?.AsArray().Select(c => c?.GetValue<string>() ?? throw new FormatException("an element of classes is null")).ToArray() ?? throw Missing(path, "classes"),
                h["dataset"]?.GetValue<string>(),
                new NeuronModel(ParseEnum<ResetMode>(path, "neuron.reset", neuron["reset"]), ParseEnum<InitialMembrane>(path, "neuron.initialMembrane", neuron["initialMembrane"])),
                ParseEnum<Readout>(path, "readout", h["readout"]),
                ConversionRecord.FromJson(h["conversion"]?.AsObject() ?? []))
            { ReadoutDelay = h["readoutDelay"]?.GetValue<int>() ?? 0 };
            try { net.Validate(path, requireThresholds: true); }
            catch (ConversionException e) { throw new ModelFormatException(e.Message); }
            foreach (var layer in layers.OfType<SynapticLayer>())
            {
                RequireFinite(path, layer, "weight", layer.Weight);
                if (layer.Bias is { } bias) RequireFinite(path, layer, "bias", bias);
                if (layer is SnnConv2d { PadValues: { } pad }) RequireFinite(path, layer, "pad value", pad);
            }
            return net;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFormatException($"{path}: header is malformed: {e.Message}", e);
        }
    }

    private static void RequireFinite(string path, SynapticLayer layer, string what, float[] values)
    {
        int bad = Array.FindIndex(values, v => !float.IsFinite(v));
        if (bad >= 0) throw new ModelFormatException($"{path}: {layer.Describe()} has a non-finite {what} ({values[bad]}) at index {bad}");
    }

    private static T ParseEnum<T>(string path, string field, JsonNode? node) where T : struct, Enum =>
        Enum.TryParse(node?.GetValue<string>(), ignoreCase: true, out T value) && Enum.IsDefined(value)
            ? value
            : throw new ModelFormatException($"{path}: field \"{field}\" is \"{node}\", expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");

    private static ModelFormatException Missing(string path, string field) => new($"{path}: header field \"{field}\" is missing");
}
