using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SnnConvert.IO;
using SnnConvert.Models;

namespace SnnConvert.Reporting;

/// <summary>
/// The finished methods of a reproduction, kept in a folder inside its output folder so that a run that was killed
/// (hours for CIFAR-10) and is started again with the same command reuses them instead of converting and simulating
/// again. Each file holds one method's result and the fingerprint of everything that result depends on (the CNN's
/// tensors and architecture, the dataset and image counts, every setting, the method); a file with another
/// fingerprint, or one that does not parse, is ignored and later overwritten. Files are written atomically; the
/// folder is removed once the whole report has been written.
/// </summary>
public sealed class ReproductionCheckpoints
{
    /// <summary>Name of the folder inside the output folder.</summary>
    public const string FolderName = ".reproduce-partial";

    private readonly string _folder, _fingerprint;

    private ReproductionCheckpoints(string folder, string fingerprint)
    {
        _folder = folder;
        _fingerprint = fingerprint;
    }

    /// <summary>Checkpoints of a reproduction writing to <paramref name="outputFolder"/>.</summary>
    /// <param name="outputFolder">Where report.md and results.json go.</param>
    /// <param name="cnn">The CNN converted.</param>
    /// <param name="dataset">Dataset name.</param>
    /// <param name="testImages">Test images simulated.</param>
    /// <param name="trainImages">Training images the calibration subset is drawn from.</param>
    /// <param name="options">Settings of the run.</param>
    public static ReproductionCheckpoints For(string outputFolder, SavedModel cnn, string dataset, int testImages, int trainImages, ReproductionOptions options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        ModelDigest.Append(hash, cnn);
        Add($"{dataset} test {testImages} train {trainImages}");
        Add(string.Join(",", options.Timesteps));
        Add($"{options.Encoding} {options.CalibrationSamples} {options.CalibrationSteps} {options.Seed} {options.BatchSize} {options.MaxPool} " +
            $"{options.Neuron} {options.Readout} {options.Engine}");
        // Added only when set, so that the checkpoints of runs without them keep their fingerprint.
        if (options.TargetSteps is not null || options.PostCalibration != Conversion.PostCalibration.None)
            Add($"target {options.TargetSteps} post {options.PostCalibration}");
        return new ReproductionCheckpoints(Path.Combine(outputFolder, FolderName), Convert.ToHexString(hash.GetHashAndReset()));
    }

    /// <summary>The saved result of <paramref name="variant"/>, or null when there is none for this run.</summary>
    public MethodResult? TryLoad(MethodVariant variant)
    {
        string path = PathOf(variant);
        if (!File.Exists(path)) return null;
        try
        {
            var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllText(path), ReproductionReport.Json);
            return saved is not null && saved.Fingerprint == Key(variant) && saved.Result.Label == variant.Label ? saved.Result : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;   // a file of another version or a damaged one: the method runs again and overwrites it
        }
    }

    /// <summary>Saves the result of <paramref name="variant"/> (atomically).</summary>
    public void Save(MethodVariant variant, MethodResult result)
    {
        Directory.CreateDirectory(_folder);
        AtomicFile.WriteAllText(PathOf(variant), JsonSerializer.Serialize(new Saved(Key(variant), result), ReproductionReport.Json));
    }

    /// <summary>Removes the folder (after the report is written).</summary>
    public void Clear()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    // The row's own conversion settings are added only when it has some, so that other rows keep their keys.
    private string Key(MethodVariant variant) =>
        $"{_fingerprint} {variant.Label} {variant.Method}" + (variant.HasOwnConversion ? $" + {variant.OwnConversion}" : "");

    private string PathOf(MethodVariant variant)
    {
        var name = new StringBuilder();
        foreach (char c in variant.Label) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return Path.Combine(_folder, name + ".json");
    }

    /// <summary>One saved method.</summary>
    /// <param name="Fingerprint">What the result depends on.</param>
    /// <param name="Result">The result.</param>
    private sealed record Saved(string Fingerprint, MethodResult Result);
}
