namespace SnnConvert.Reporting;

/// <summary>One method of a <see cref="ConversionsManifest"/>: its .snn file and what its calibration gave besides the network.</summary>
/// <param name="Label">The method's label in reports.</param>
/// <param name="Method">The configured method, as text (its options included).</param>
/// <param name="File">The .snn file's name inside the folder.</param>
/// <param name="Sha256">SHA-256 of the .snn file, so a file replaced or damaged since is refused.</param>
/// <param name="CalibrationSeconds">Wall time of the calibration, which the reports of the runs that load it give.</param>
/// <param name="Warnings">The converter's warnings.</param>
public sealed record ConvertedMethod(string Label, string Method, string File, string Sha256, double CalibrationSeconds, IReadOnlyList<string> Warnings);

/// <summary>
/// conversions.json, the index of a <see cref="ConversionsFolder"/>: what the conversions were calibrated from (the
/// fingerprint, compared with the run that loads them) and one entry per method. It is written last, after every .snn
/// file, and its last property <see cref="Complete"/> is written last, so a folder whose calibration was cut short has
/// no (complete) manifest.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Version">Layout version (1).</param>
/// <param name="Fingerprint">Named values the loading run must share: the CNN's digest, dataset, calibration settings, methods.</param>
/// <param name="CalibrationImages">Images in the calibration subset.</param>
/// <param name="Methods">One entry per method, in report order.</param>
/// <param name="Complete">True; missing or false in a file cut short.</param>
public sealed record ConversionsManifest(string Format, int Version, SortedDictionary<string, string> Fingerprint, int CalibrationImages,
    IReadOnlyList<ConvertedMethod> Methods, bool Complete)
{
    /// <summary>The <see cref="Format"/> of every manifest.</summary>
    public const string FormatName = "snnconvert-conversions";
}
