using System.Globalization;
using Google.Protobuf;
using SnnConvert.Errors;
using SnnConvert.Onnx.Proto;

namespace SnnConvert.Onnx;

/// <summary>
/// Loads tensors stored outside the .onnx file (data_location EXTERNAL, as PyTorch 2.x writes <c>model.onnx.data</c>
/// for larger models) into their raw_data, so the rest of the importer reads them like inline weights. The
/// <c>location</c> must name a file inside the model's folder: relative, without "..", and without symbolic links
/// on the way, so a model file cannot make the importer read elsewhere. <c>offset</c> and <c>length</c> are checked
/// against the file's size.
/// </summary>
internal static class OnnxExternalData
{
    /// <summary>Replaces every external initializer and Constant tensor of <paramref name="model"/> by its bytes read beside <paramref name="modelPath"/>.</summary>
    /// <exception cref="OnnxFormatException">A location is missing, escapes the folder, names a link or a missing file, or its range does not fit the file.</exception>
    public static void Resolve(ModelProto model, string modelPath)
    {
        string folder = Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".");
        foreach (TensorProto tensor in model.Graph.Initializer) Load(tensor, folder, modelPath, $"initializer \"{tensor.Name}\"");
        foreach (NodeProto node in model.Graph.Node)
            foreach (AttributeProto a in node.Attribute)
                if (a.T is { } t) Load(t, folder, modelPath, $"node \"{node.Name}\" ({node.OpType}): attribute \"{a.Name}\"");
    }

    /// <summary>Whether <paramref name="tensor"/> keeps its data in another file.</summary>
    public static bool IsExternal(TensorProto tensor) =>
        tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0;

    private static void Load(TensorProto tensor, string folder, string modelPath, string what)
    {
        if (!IsExternal(tensor)) return;
        string where = $"{modelPath}: {what}";
        var entries = new Dictionary<string, string>();
        foreach (StringStringEntryProto e in tensor.ExternalData)
            if (!entries.TryAdd(e.Key, e.Value)) throw new OnnxFormatException($"{where}: external_data has the key \"{e.Key}\" twice");
        string location = entries.GetValueOrDefault("location") ?? "";
        if (location.Length == 0) throw new OnnxFormatException($"{where}: its data is external but external_data names no \"location\"");
        string file = SafePath(folder, location, where);
        long offset = Number(entries, "offset", 0, where);
        long size;
        try { size = new FileInfo(file).Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new OnnxFormatException($"{where}: cannot read external data file {file}: {e.Message}", e); }
        long length = Number(entries, "length", size - offset, where);
        if (offset > size || length > size - offset)
            throw new OnnxFormatException($"{where}: external data range offset {offset}, length {length} runs past the end of {file} ({size} bytes)");
        if (length > Array.MaxLength) throw new OnnxFormatException($"{where}: external data length {length} is too large");
        var bytes = new byte[length];
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"{where}: cannot read external data file {file}: {e.Message}", e);
        }
        tensor.RawData = ByteString.CopyFrom(bytes);
        tensor.ExternalData.Clear();
        tensor.DataLocation = TensorProto.Types.DataLocation.Default;
    }

    // The file `location` names inside `folder`; anything that could leave the folder is refused, not normalised.
    private static string SafePath(string folder, string location, string where)
    {
        string[] parts = location.Split('/', '\\');
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\') || location.Contains(':') || location.Contains('\0'))
            throw new OnnxFormatException($"{where}: external data location \"{location}\" is an absolute path (or names a drive); only a file beside the model (a relative path) is read");
        if (parts.Any(p => p is ".." or ""))
            throw new OnnxFormatException($"{where}: external data location \"{location}\" has a \"..\" or empty path component; only a file inside the model's folder is read");
        string path = folder;
        foreach (string part in parts.Where(p => p != "."))
        {
            path = Path.Combine(path, part);
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || new DirectoryInfo(path).LinkTarget is not null)
                throw new OnnxFormatException($"{where}: external data location \"{location}\" goes through the symbolic link {path}; links are not followed");
        }
        string full = Path.GetFullPath(path);
        if (!full.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new OnnxFormatException($"{where}: external data location \"{location}\" leaves the model's folder {folder}");
        if (!File.Exists(full)) throw new OnnxFormatException($"{where}: external data file {full} (location \"{location}\") does not exist; keep it beside the .onnx file");
        return full;
    }

    private static long Number(Dictionary<string, string> entries, string key, long fallback, string where)
    {
        if (!entries.TryGetValue(key, out string? text)) return fallback;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new OnnxFormatException($"{where}: external data \"{key}\" is \"{text}\", expected a non-negative integer");
        return value;
    }
}
