using System.Text.Json.Nodes;

namespace SnnConvert.Snn;

/// <summary>
/// The preprocessing an imported (ONNX) model was trained with outside its graph, folded into its first layer at
/// import and recorded in the converted SNN: for pixels x in [0, 1] the model sees <c>(Scale * x - Mean[c]) / Std[c]</c>.
/// Stored as the "input" object of the model's training record and of the SNN file's conversion record, with the
/// keys scale, mean, std and meaning in that order (the form the ONNX importer writes).
/// </summary>
/// <param name="Scale">Factor of the [0, 1] pixels.</param>
/// <param name="Mean">Subtracted after scaling: one value, or one per input channel.</param>
/// <param name="Std">Divides last: one value, or one per input channel.</param>
public sealed record InputPreprocessing(float Scale, IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    /// <summary>The sentence stored beside the numbers for a reader of the file.</summary>
    public const string Meaning = "the model sees (scale * x - mean[c]) / std[c] for pixels x in [0, 1]; folded into the first layer";

    /// <summary>Whether <paramref name="other"/> describes the same preprocessing (same numbers in the same lists).</summary>
    public bool SameAs(InputPreprocessing? other) =>
        other is not null && Scale.Equals(other.Scale) && Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    /// <summary>The stored form.</summary>
    public JsonObject ToJson() => new()
    {
        ["scale"] = Scale,
        ["mean"] = new JsonArray(Mean.Select(m => (JsonNode)m).ToArray()),
        ["std"] = new JsonArray(Std.Select(s => (JsonNode)s).ToArray()),
        ["meaning"] = Meaning,
    };

    /// <summary>Reads the stored form ("meaning" is not read back: it is always <see cref="Meaning"/>).</summary>
    /// <exception cref="FormatException">A key is missing or holds a value of the wrong kind.</exception>
    public static InputPreprocessing FromJson(JsonNode json)
    {
        try
        {
            static float[] List(JsonNode? node, string key) =>
                (node as JsonArray ?? throw new FormatException($"input preprocessing: \"{key}\" must be a list of numbers"))
                .Select(v => v!.GetValue<float>()).ToArray();
            return new InputPreprocessing(
                json["scale"]?.GetValue<float>() ?? throw new FormatException("input preprocessing: \"scale\" is missing"),
                List(json["mean"], "mean"), List(json["std"], "std"));
        }
        catch (InvalidOperationException e) { throw new FormatException($"input preprocessing: {e.Message}", e); }
    }

    /// <summary>For messages: the map as the model sees it.</summary>
    public override string ToString() => ToJson().ToJsonString();
}
