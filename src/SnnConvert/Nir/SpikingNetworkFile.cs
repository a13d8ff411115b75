using SnnConvert.Snn;

namespace SnnConvert.Nir;

/// <summary>Loads a converted network from either of its file formats, chosen by extension: .nir (NIR graph) or anything else (.snn).</summary>
public static class SpikingNetworkFile
{
    /// <summary>The extension of NIR files.</summary>
    public const string NirExtension = ".nir";

    /// <summary>Loads <paramref name="path"/> with <see cref="NirImporter"/> when it ends in .nir, else with <see cref="SnnFile"/>.</summary>
    /// <exception cref="Errors.NirFormatException">A .nir file is unreadable or unsupported.</exception>
    /// <exception cref="Errors.ModelFormatException">An .snn file is unreadable or inconsistent.</exception>
    public static SpikingNetwork Load(string path) =>
        string.Equals(Path.GetExtension(path), NirExtension, StringComparison.OrdinalIgnoreCase) ? NirImporter.Load(path) : SnnFile.Load(path);
}
