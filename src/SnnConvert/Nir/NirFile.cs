using PureHDF;
using SnnConvert.Errors;
using SnnConvert.IO;

namespace SnnConvert.Nir;

/// <summary>
/// The HDF5 layout of a NIR file, as the reference Python serializer (nir.write / nir.read) lays it out:
/// <code>
/// /version                 string, e.g. "1.0.8"
/// /node/type               "NIRGraph"
/// /node/edges              strings (E, 2): source, target
/// /node/metadata/...       optional graph metadata
/// /node/nodes/NAME/type    the primitive, e.g. "Conv2d"
/// /node/nodes/NAME/FIELD   one dataset per field of the primitive ("weight", "stride", ...)
/// /node/nodes/NAME/metadata/...  optional node metadata
/// </code>
/// Strings are variable-length UTF-8; scalars have a scalar dataspace. This class moves <see cref="NirGraph"/>s in and
/// out of files and knows nothing about what the primitives mean (see <see cref="NirExporter"/> and <see cref="NirImporter"/>).
/// </summary>
public static class NirFile
{
    /// <summary>Name of the root dataset holding the format version.</summary>
    public const string VersionName = "version";

    /// <summary>Name of the root group holding the graph node.</summary>
    public const string GraphName = "node";

    /// <summary>Writes the graph atomically (temporary file + rename).</summary>
    public static void Write(string path, NirGraph graph)
    {
        var nodes = new H5Group();
        foreach (var (name, node) in graph.Nodes) nodes[name] = NodeGroup(node.Type, node.Fields, node.Metadata);
        var edges = new string[graph.Edges.Count * 2];
        for (int i = 0; i < graph.Edges.Count; i++) { edges[2 * i] = graph.Edges[i].Source; edges[2 * i + 1] = graph.Edges[i].Target; }
        var root = NodeGroup("NIRGraph", new Dictionary<string, NirValue> { ["edges"] = new NirText(edges, [graph.Edges.Count, 2]) }, graph.Metadata);
        root["nodes"] = nodes;
        var file = new H5File { [VersionName] = new H5Dataset(graph.Version), [GraphName] = root };
        AtomicFile.Write(path, stream => file.Write(stream));
    }

    private static H5Group NodeGroup(string type, IReadOnlyDictionary<string, NirValue> fields, IReadOnlyDictionary<string, NirValue> metadata)
    {
        var group = new H5Group { ["type"] = new H5Dataset(type) };
        foreach (var (name, value) in fields) group[name] = Dataset(value);
        // The reference serializer leaves out an empty metadata dictionary; so do we.
        if (metadata.Count > 0)
        {
            var meta = new H5Group();
            foreach (var (name, value) in metadata) meta[name] = Dataset(value);
            group["metadata"] = meta;
        }
        return group;
    }

    private static H5Dataset Dataset(NirValue value)
    {
        ulong[] dims = value.Shape.Select(d => (ulong)d).ToArray();
        bool scalar = value.Shape.Length == 0;
        return value switch
        {
            NirFloats f => scalar ? new H5Dataset(f.Values[0]) : new H5Dataset(f.Values, fileDims: dims),
            NirIntegers i => scalar ? new H5Dataset(i.Values[0]) : new H5Dataset(i.Values, fileDims: dims),
            NirText t => scalar ? new H5Dataset(t.Values[0]) : new H5Dataset(t.Values, fileDims: dims),
            _ => throw new ArgumentException($"a {value.Describe()} value cannot be written"),
        };
    }

    /// <summary>Reads a NIR file into a graph; checks the layout, not the meaning of the nodes.</summary>
    /// <exception cref="NirFormatException">The file is missing, not HDF5, or lacks the groups and datasets of the NIR layout.</exception>
    public static NirGraph Read(string path)
    {
        if (!File.Exists(path)) throw new NirFormatException($"{path}: file not found");
        IH5Group file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // PureHDF reports a foreign file with a plain Exception ("The file is not a valid HDF 5 file.").
            throw new NirFormatException($"{path}: not a readable HDF5 file ({e.Message}); a NIR file is HDF5 as written by nir.write", e);
        }
        try
        {
            if (!file.LinkExists(VersionName)) throw new NirFormatException($"{path}: dataset \"/{VersionName}\" is missing; every NIR file records its format version there");
            string version = ReadString(path, "/" + VersionName, ReadValue(path, "/" + VersionName, file.Dataset(VersionName)));
            if (!file.LinkExists(GraphName) || file.Get(GraphName) is not IH5Group graph)
                throw new NirFormatException($"{path}: group \"/{GraphName}\" (the graph) is missing");
            var (type, fields, metadata) = ReadNodeGroup(path, "/" + GraphName, graph);
            if (type != "NIRGraph") throw new NirFormatException($"{path}: /{GraphName}/type is \"{type}\", expected \"NIRGraph\"");
            if (!graph.LinkExists("nodes") || graph.Get("nodes") is not IH5Group nodesGroup)
                throw new NirFormatException($"{path}: group \"/{GraphName}/nodes\" is missing");
            var nodes = new Dictionary<string, NirNode>();
            foreach (IH5Object child in nodesGroup.Children())
            {
                string where = $"/{GraphName}/nodes/{child.Name}";
                if (child is not IH5Group nodeGroup) throw new NirFormatException($"{path}: {where} is a dataset, expected a node group");
                var (nodeType, nodeFields, nodeMetadata) = ReadNodeGroup(path, where, nodeGroup);
                nodes[child.Name] = new NirNode(nodeType, nodeFields, nodeMetadata);
            }
            if (!fields.TryGetValue("edges", out NirValue? edgeValue))
                throw new NirFormatException($"{path}: dataset \"/{GraphName}/edges\" is missing");
            return new NirGraph(version, nodes, ReadEdges(path, edgeValue), metadata);
        }
        catch (Exception e) when (e is not NirFormatException and not OutOfMemoryException)
        {
            // A truncated or damaged file fails inside PureHDF while walking groups, with a plain Exception.
            throw new NirFormatException($"{path}: damaged HDF5 file ({e.Message})", e);
        }
        finally
        {
            (file as IDisposable)?.Dispose();
        }
    }

    private static List<NirEdge> ReadEdges(string path, NirValue value)
    {
        string where = $"/{GraphName}/edges";
        if (value is not NirText text) throw new NirFormatException($"{path}: {where} is {value.Describe()}, expected strings of shape (E, 2)");
        // An empty edge list may be stored with any shape of zero elements.
        if (text.Count == 0) return [];
        if (text.Shape.Length != 2 || text.Shape[1] != 2) throw new NirFormatException($"{path}: {where} is {value.Describe()}, expected strings of shape (E, 2)");
        var edges = new List<NirEdge>();
        for (int i = 0; i < text.Shape[0]; i++) edges.Add(new NirEdge(text.Values[2 * i], text.Values[2 * i + 1]));
        return edges;
    }

    private static (string Type, Dictionary<string, NirValue> Fields, Dictionary<string, NirValue> Metadata) ReadNodeGroup(string path, string where, IH5Group group)
    {
        if (!group.LinkExists("type") || group.Get("type") is not IH5Dataset typeDataset)
            throw new NirFormatException($"{path}: {where}/type is missing; every NIR node names its primitive there");
        string type = ReadString(path, where + "/type", ReadValue(path, where + "/type", typeDataset));
        var fields = new Dictionary<string, NirValue>();
        var metadata = new Dictionary<string, NirValue>();
        foreach (IH5Object child in group.Children())
        {
            if (child.Name is "type" or "nodes") continue;
            if (child is IH5Dataset dataset) fields[child.Name] = ReadValue(path, $"{where}/{child.Name}", dataset);
            else if (child is IH5Group sub) ReadFlat(path, $"{where}/{child.Name}", sub, child.Name == "metadata" ? metadata : fields, child.Name == "metadata" ? "" : child.Name + "/");
        }
        return (type, fields, metadata);
    }

    // Sub-groups (nested metadata, older files' input_type/output_type dictionaries) are flattened to "a/b" keys.
    private static void ReadFlat(string path, string where, IH5Group group, Dictionary<string, NirValue> into, string prefix)
    {
        foreach (IH5Object child in group.Children())
        {
            if (child is IH5Dataset dataset) into[prefix + child.Name] = ReadValue(path, $"{where}/{child.Name}", dataset);
            else if (child is IH5Group sub) ReadFlat(path, $"{where}/{child.Name}", sub, into, prefix + child.Name + "/");
        }
    }

    private static NirValue ReadValue(string path, string where, IH5Dataset dataset)
    {
        int[] shape;
        try { shape = dataset.Space.Dimensions.Select(d => checked((int)d)).ToArray(); }
        catch (OverflowException) { throw new NirFormatException($"{path}: {where} is too large"); }
        IH5DataType type = dataset.Type;
        try
        {
            return type.Class switch
            {
                H5DataTypeClass.FloatingPoint when type.Size == 4 => new NirFloats(dataset.Read<float[]>(), shape),
                H5DataTypeClass.FloatingPoint when type.Size == 8 => new NirFloats(Array.ConvertAll(dataset.Read<double[]>(), v => (float)v), shape),
                H5DataTypeClass.FixedPoint => new NirIntegers(ReadIntegers(dataset, type), shape),
                H5DataTypeClass.String or H5DataTypeClass.VariableLength => new NirText(dataset.Read<string[]>(), shape),
                _ => new NirUnreadable($"{type.Class} ({type.Size} bytes)", shape),
            };
        }
        catch (Exception e) when (e is not NirFormatException and not OutOfMemoryException)
        {
            throw new NirFormatException($"{path}: {where} cannot be read ({type.Class}, {type.Size} bytes): {e.Message}", e);
        }
    }

    private static long[] ReadIntegers(IH5Dataset dataset, IH5DataType type)
    {
        bool signed = type.FixedPoint.IsSigned;
        return type.Size switch
        {
            1 => signed ? Array.ConvertAll(dataset.Read<sbyte[]>(), v => (long)v) : Array.ConvertAll(dataset.Read<byte[]>(), v => (long)v),
            2 => signed ? Array.ConvertAll(dataset.Read<short[]>(), v => (long)v) : Array.ConvertAll(dataset.Read<ushort[]>(), v => (long)v),
            4 => signed ? Array.ConvertAll(dataset.Read<int[]>(), v => (long)v) : Array.ConvertAll(dataset.Read<uint[]>(), v => (long)v),
            8 when signed => dataset.Read<long[]>(),
            8 => Array.ConvertAll(dataset.Read<ulong[]>(), v => v > long.MaxValue ? throw new OverflowException($"value {v} exceeds int64") : (long)v),
            _ => throw new NotSupportedException($"integers of {type.Size} bytes"),
        };
    }

    private static string ReadString(string path, string where, NirValue value) =>
        value is NirText { Values.Length: 1 } text ? text.Values[0] : throw new NirFormatException($"{path}: {where} is {value.Describe()}, expected one string");
}
