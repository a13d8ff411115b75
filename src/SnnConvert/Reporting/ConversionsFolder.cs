using System.Globalization;
using System.Text.Json;
using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Errors;
using SnnConvert.IO;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// The calibration of a reproduction (or comparison), done once and kept in a folder: one .snn file per method and
/// <see cref="ManifestFile"/> (<see cref="ConversionsManifest"/>). The shards of a sharded run, and later runs, load the
/// networks from it instead of calibrating each method again (docs/scaling.md). A folder made from another CNN,
/// dataset, calibration setting or method list is refused, naming what differs; the simulation settings (latencies,
/// encoding) are not part of it, so one calibration serves runs that differ only in them.
/// </summary>
public sealed class ConversionsFolder
{
    /// <summary>Name of the manifest inside the folder.</summary>
    public const string ManifestFile = "conversions.json";

    private readonly string _folder;
    private readonly ConversionsManifest _manifest;

    private ConversionsFolder(string folder, ConversionsManifest manifest)
    {
        _folder = folder;
        _manifest = manifest;
    }

    /// <summary>
    /// What a folder's conversions depend on and the loading run must share: the CNN (<see cref="ModelDigest"/>), the
    /// dataset and its training split's size (the calibration subset is drawn from it), the calibration settings and the methods.
    /// </summary>
    public static SortedDictionary<string, string> Fingerprint(SavedModel cnn, string dataset, int trainImages, ReproductionOptions options) =>
        new(StringComparer.Ordinal)
        {
            ["model sha256"] = ModelDigest.Sha256(cnn),
            ["network"] = cnn.Network.Name,
            ["dataset"] = dataset,
            ["training images"] = trainImages.ToString(CultureInfo.InvariantCulture),
            ["calibration samples"] = options.CalibrationSamples?.ToString(CultureInfo.InvariantCulture) ?? "all",
            // The method in these options is a placeholder: each method is set per entry of "methods".
            ["conversion options"] = Invariant(options.Conversion()),
            ["methods"] = string.Join("; ", options.Methods.Select(m => $"{m.Label} = {Configuration(m)}")),
        };

    /// <summary>Calibrates every method of <paramref name="options"/> and writes the folder (each file atomically, the manifest last).</summary>
    /// <param name="folder">Where the files go (created when missing; an earlier manifest there is removed first).</param>
    /// <param name="cnn">The trained CNN.</param>
    /// <param name="dataset">Dataset name.</param>
    /// <param name="train">Training split: the calibration subset is drawn from it.</param>
    /// <param name="options">Methods and calibration settings (the simulation settings are not used).</param>
    /// <param name="observer">Progress display (null: none).</param>
    public static ConversionsManifest Write(string folder, SavedModel cnn, string dataset, ImageDataset train, ReproductionOptions options,
        IReproductionObserver? observer = null)
    {
        options.Validate();
        observer ??= SilentReproductionObserver.Instance;
        Directory.CreateDirectory(folder);
        string manifestPath = Path.Combine(folder, ManifestFile);
        File.Delete(manifestPath);   // until the new one is written, the folder is not taken for a finished calibration
        ImageDataset calibration = SnnConverter.CalibrationSubset(train, options.CalibrationSamples, options.Seed);
        ConversionOptions conversion = options.Conversion();
        var calibrator = new RowCalibrator(cnn, conversion, options.Methods, calibration, observer);
        var entries = new List<ConvertedMethod>();
        foreach (MethodVariant variant in options.Methods)
        {
            CalibratedMethod done = calibrator.Calibrate(variant);
            string file = FileName(variant.Label, entries.Select(e => e.File));
            string path = Path.Combine(folder, file);
            SnnFile.Save(path, done.Snn);
            entries.Add(new ConvertedMethod(variant.Label, Configuration(variant), file, PartialResult.Sha256(path), done.CalibrationSeconds, done.Warnings));
        }
        var manifest = new ConversionsManifest(ConversionsManifest.FormatName, 1, Fingerprint(cnn, dataset, train.Count, options), calibration.Count, entries, true);
        AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, PartialResult.Json));
        observer.Log($"wrote {entries.Count} calibrated methods and {ManifestFile} to {folder}");
        return manifest;
    }

    /// <summary>Opens <paramref name="folder"/> for a run of <paramref name="options"/> on <paramref name="cnn"/> and <paramref name="dataset"/>.</summary>
    /// <exception cref="PartialResultFormatException">The folder has no complete manifest.</exception>
    /// <exception cref="ShardMismatchException">The folder was made from another CNN, dataset, calibration setting or method list.</exception>
    public static ConversionsFolder Open(string folder, SavedModel cnn, string dataset, int trainImages, ReproductionOptions options)
    {
        string path = Path.Combine(folder, ManifestFile);
        if (!File.Exists(path))
            throw new PartialResultFormatException($"{folder}: no {ManifestFile}: not a calibrated conversions folder, or its calibration was cut short; calibrate into it first");
        ConversionsManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ConversionsManifest>(File.ReadAllText(path), PartialResult.Json);
        }
        catch (JsonException e)
        {
            throw new PartialResultFormatException($"{path}: not a complete manifest (truncated or not JSON: {e.Message}); calibrate again", e);
        }
        if (manifest is null || manifest.Format != ConversionsManifest.FormatName || manifest.Version != 1 || !manifest.Complete
            || manifest.Fingerprint is null || manifest.Methods is null)
            throw new PartialResultFormatException($"{path}: not a complete manifest of format \"{ConversionsManifest.FormatName}\" version 1; calibrate again");
        SortedDictionary<string, string> expected = Fingerprint(cnn, dataset, trainImages, options);
        string[] differences = expected.Keys.Union(manifest.Fingerprint.Keys)
            .Select(key => (key, want: expected.GetValueOrDefault(key, "(none)"), have: manifest.Fingerprint.GetValueOrDefault(key, "(none)")))
            .Where(d => d.want != d.have).Select(d => $"{d.key}: {d.have} in the folder, {d.want} in this run").ToArray();
        if (differences.Length > 0)
            throw new ShardMismatchException($"{folder} was calibrated for another run: {string.Join("; ", differences)}");
        return new ConversionsFolder(folder, manifest);
    }

    /// <summary>Loads <paramref name="variant"/>'s network, checking its file's SHA-256 against the manifest.</summary>
    /// <exception cref="ShardMismatchException">The method is not in the folder, or its file changed since.</exception>
    /// <exception cref="PartialResultFormatException">Its file is missing.</exception>
    public CalibratedMethod Load(MethodVariant variant, IReproductionObserver? observer = null)
    {
        observer ??= SilentReproductionObserver.Instance;
        ConvertedMethod entry = _manifest.Methods.FirstOrDefault(m => m.Label == variant.Label && m.Method == Configuration(variant))
            ?? throw new ShardMismatchException($"{_folder} holds no conversion of {variant.Label} ({Configuration(variant)})");
        string path = Path.Combine(_folder, entry.File);
        if (!File.Exists(path)) throw new PartialResultFormatException($"{path}: missing from the conversions folder; calibrate again");
        if (PartialResult.Sha256(path) != entry.Sha256)
            throw new ShardMismatchException($"{path} changed since it was calibrated (SHA-256 differs from {ManifestFile}); calibrate again");
        SpikingNetwork snn = SnnFile.Load(path);
        observer.Converted(variant.Label, snn, entry.Warnings);
        observer.Log($"{variant.Label}: loaded from {path} (its calibration took {entry.CalibrationSeconds.ToString("F1", CultureInfo.InvariantCulture)} s)");
        return new CalibratedMethod(snn, entry.Warnings, entry.CalibrationSeconds);
    }

    // A file name from the label (letters, digits, '-' and '.' kept), made unique among those taken.
    private static string FileName(string label, IEnumerable<string> taken)
    {
        string name = LabelFileName.Stem(label);
        string file = name + ".snn";
        for (int i = 2; taken.Contains(file, StringComparer.OrdinalIgnoreCase); i++) file = $"{name}-{i}.snn";
        return file;
    }

    // The method as text, with the row's own conversion settings after it when it has any (so that rows without them
    // read as in the folders written before rows could have them).
    private static string Configuration(MethodVariant variant) =>
        variant.HasOwnConversion ? $"{Invariant(variant.Method)} + {variant.OwnConversion}" : Invariant(variant.Method);

    // Records print their doubles in the current culture; the fingerprint must not depend on a machine's locale.
    private static string Invariant(object value)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            return value.ToString() ?? "";
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
