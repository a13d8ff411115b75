using System.Globalization;
using System.Text.Json.Nodes;
using SnnConvert.Errors;

namespace SnnConvert.Onnx;

/// <summary>
/// The preprocessing a model was trained with outside its graph: for SnnConvert's pixels x in [0, 1] the model sees
/// <c>(Scale * x - Mean[c]) / Std[c]</c> per channel c (PyTorch's <c>transforms.Normalize(mean, std)</c> is Scale 1;
/// a Keras or CNTK model fed 0-255 pixels is Scale 255). The importer folds it into the model's input normalisation.
/// </summary>
/// <param name="Scale">Multiplies the [0, 1] pixels first (255 for models trained on 0-255 pixels); positive.</param>
/// <param name="Mean">One value per input channel, or one for all; subtracted after scaling.</param>
/// <param name="Std">One positive value per input channel, or one for all; divides last.</param>
public sealed record OnnxInputScaling(float Scale, float[] Mean, float[] Std)
{
    /// <summary>Whether the map is the identity.</summary>
    public bool IsIdentity => Scale == 1f && Mean.All(m => m == 0f) && Std.All(s => s == 1f);

    /// <summary>The per-channel affine map y = a[c] x + b[c] for <paramref name="channels"/> channels.</summary>
    /// <exception cref="InvalidSettingException">A list has neither 1 nor <paramref name="channels"/> values, the scale or a std is not positive, or a value is not finite.</exception>
    public (double[] A, double[] B) Affine(int channels)
    {
        if (!(Scale > 0) || !float.IsFinite(Scale)) throw new InvalidSettingException(SettingNames.InputScale, $"must be a positive number, got {Format(Scale)}");
        float[] mean = PerChannel(SettingNames.InputMean, Mean, channels), std = PerChannel(SettingNames.InputStd, Std, channels);
        for (int c = 0; c < channels; c++)
            if (!(std[c] > 0)) throw new InvalidSettingException(SettingNames.InputStd, $"must be positive, got {Format(std[c])} for channel {c}");
        return (std.Select(s => (double)Scale / s).ToArray(), Enumerable.Range(0, channels).Select(c => -(double)mean[c] / std[c]).ToArray());
    }

    /// <summary>The record kept in the model's metadata and the converted SNN.</summary>
    public JsonObject ToJson() => new()
    {
        ["scale"] = Scale,
        ["mean"] = new JsonArray(Mean.Select(m => (JsonNode)m).ToArray()),
        ["std"] = new JsonArray(Std.Select(s => (JsonNode)s).ToArray()),
        ["meaning"] = "the model sees (scale * x - mean[c]) / std[c] for pixels x in [0, 1]; folded into the first layer",
    };

    private static float[] PerChannel(string setting, float[] values, int channels)
    {
        if (values.Any(v => !float.IsFinite(v))) throw new InvalidSettingException(setting, "values must be finite numbers");
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        if (values.Length == channels) return values;
        throw new InvalidSettingException(setting, $"{values.Length} values given, but the model's input has {channels} channel{(channels == 1 ? "" : "s")}; give one value or one per channel");
    }

    private static string Format(float v) => v.ToString(CultureInfo.InvariantCulture);
}
