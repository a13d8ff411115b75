namespace SnnConvert.Nir;

/// <summary>
/// One node of a NIR graph as stored in HDF5: its "type" (e.g. "Conv2d", "IF"), its fields (the datasets of the
/// node's group, named as in the NIR reference implementation: "weight", "v_threshold", ...) and its optional
/// "metadata" group. Datasets in sub-groups other than metadata (older files' "input_type/input") are keyed "group/name".
/// </summary>
/// <param name="Type">NIR primitive name.</param>
/// <param name="Fields">Datasets by name.</param>
/// <param name="Metadata">Entries of the node's metadata group (empty when it has none).</param>
public sealed record NirNode(string Type, IReadOnlyDictionary<string, NirValue> Fields, IReadOnlyDictionary<string, NirValue> Metadata)
{
    /// <summary>A node without metadata.</summary>
    public NirNode(string type, IReadOnlyDictionary<string, NirValue> fields) : this(type, fields, new Dictionary<string, NirValue>()) { }
}
