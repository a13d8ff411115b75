using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// The finished methods of a reproduction, kept in a folder inside its output folder so that a run that was killed
/// (hours for CIFAR-10) and is started again with the same command reuses them instead of converting and simulating
/// again. Each file holds one method's result and the fingerprint of everything that result depends on (the CNN's
/// tensors and architecture, the dataset and image counts, every setting, the method); a file with another
/// fingerprint, or one that does not parse, is ignored and later overwritten. A method still running keeps its
/// conversion and each finished chunk of its simulation (<see cref="ChunkedSimulation"/>) there too, so that a run killed
/// within a method (an hour or more per method on CIFAR-10 with 2 cores) loses at most one chunk. Files are written
/// atomically; the folder is removed once the whole report has been written.
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

    /// <summary>
    /// The conversion of <paramref name="variant"/> that an earlier run of the same command saved before it was killed
    /// while simulating it, with the SHA-256 of its file (which keys the simulation's chunks); null when there is none
    /// for this run or it does not load.
    /// </summary>
    public (CalibratedMethod Conversion, string Sha256)? TryLoadConversion(MethodVariant variant)
    {
        string meta = PathOf(variant, ".conversion.json"), snn = PathOf(variant, ".conversion.snn");
        if (!File.Exists(meta) || !File.Exists(snn)) return null;
        try
        {
            var saved = JsonSerializer.Deserialize<SavedConversion>(File.ReadAllText(meta), ReproductionReport.Json);
            string sha = PartialResult.Sha256(snn);
            if (saved is null || saved.Fingerprint != Key(variant) || saved.Sha256 != sha) return null;
            return (new CalibratedMethod(SnnFile.Load(snn), saved.Warnings, saved.CalibrationSeconds), sha);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or Errors.ModelFormatException)
        {
            return null;   // damaged: calibrated again and overwritten
        }
    }

    /// <summary>Saves <paramref name="variant"/>'s conversion (atomically) and returns the SHA-256 of its file.</summary>
    public string SaveConversion(MethodVariant variant, CalibratedMethod conversion)
    {
        Directory.CreateDirectory(_folder);
        string snn = PathOf(variant, ".conversion.snn");
        SnnFile.Save(snn, conversion.Snn);
        string sha = PartialResult.Sha256(snn);
        AtomicFile.WriteAllText(PathOf(variant, ".conversion.json"), JsonSerializer.Serialize(
            new SavedConversion(Key(variant), sha, conversion.Warnings, conversion.CalibrationSeconds), ReproductionReport.Json));
        return sha;
    }

    /// <summary>
    /// The simulation of images <paramref name="range"/> by <paramref name="variant"/>'s conversion (the file of SHA-256
    /// <paramref name="conversion"/>) saved by an earlier run of the same command, with its wall time; null when there is none.
    /// </summary>
    public (PartialSimulation Part, double Seconds)? TryLoadChunk(MethodVariant variant, string conversion, ImageRange range)
    {
        string path = ChunkPath(variant, range);
        if (!File.Exists(path)) return null;
        try
        {
            var saved = JsonSerializer.Deserialize<SavedChunk>(File.ReadAllText(path), PartialResult.Json);
            if (saved is null || saved.Fingerprint != ChunkKey(variant, conversion, range) || saved.Simulation is null) return null;
            saved.Simulation.CheckShape(path);
            return (saved.Simulation, saved.Seconds);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException or Errors.PartialResultFormatException)
        {
            return null;
        }
    }

    /// <summary>Saves the simulation of images <paramref name="range"/> (atomically).</summary>
    public void SaveChunk(MethodVariant variant, string conversion, ImageRange range, PartialSimulation part, double seconds)
    {
        Directory.CreateDirectory(_folder);
        AtomicFile.WriteAllText(ChunkPath(variant, range),
            JsonSerializer.Serialize(new SavedChunk(ChunkKey(variant, conversion, range), seconds, part), PartialResult.Json));
    }

    /// <summary>Removes what <paramref name="variant"/> kept while it ran (its conversion and simulation chunks), once its result is saved.</summary>
    public void ClearProgress(MethodVariant variant)
    {
        if (!Directory.Exists(_folder)) return;
        string stem = Path.GetFileNameWithoutExtension(PathOf(variant, ".json"));
        foreach (string path in Directory.GetFiles(_folder, stem + ".*"))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith(stem + ".conversion.", StringComparison.Ordinal) || name.StartsWith(stem + ".images-", StringComparison.Ordinal))
                File.Delete(path);
        }
    }

    /// <summary>Removes the folder (after the report is written).</summary>
    public void Clear()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    // The row's own conversion settings are added only when it has some, so that other rows keep their keys.
    private string Key(MethodVariant variant) =>
        $"{_fingerprint} {variant.Label} {variant.Method}" + (variant.HasOwnConversion ? $" + {variant.OwnConversion}" : "");

    private string ChunkKey(MethodVariant variant, string conversion, ImageRange range) =>
        $"{Key(variant)} conversion {conversion} images {range.Start}-{range.End}";

    private string ChunkPath(MethodVariant variant, ImageRange range) => PathOf(variant, $".images-{range.Start}-{range.End}.json");

    private string PathOf(MethodVariant variant, string suffix = ".json") => Path.Combine(_folder, LabelFileName.Stem(variant.Label) + suffix);

    /// <summary>One saved method.</summary>
    /// <param name="Fingerprint">What the result depends on.</param>
    /// <param name="Result">The result.</param>
    private sealed record Saved(string Fingerprint, MethodResult Result);

    /// <summary>A method's conversion, saved before its simulation.</summary>
    /// <param name="Fingerprint">What the conversion depends on.</param>
    /// <param name="Sha256">SHA-256 of the .snn file beside it.</param>
    /// <param name="Warnings">The converter's warnings.</param>
    /// <param name="CalibrationSeconds">Wall time of the calibration.</param>
    private sealed record SavedConversion(string Fingerprint, string Sha256, IReadOnlyList<string> Warnings, double CalibrationSeconds);

    /// <summary>A chunk of a method's simulation.</summary>
    /// <param name="Fingerprint">What it depends on: the method's key, its conversion's SHA-256 and the images.</param>
    /// <param name="Seconds">Wall time of the chunk.</param>
    /// <param name="Simulation">The chunk's sums.</param>
    private sealed record SavedChunk(string Fingerprint, double Seconds, PartialSimulation Simulation);
}
