namespace SnnConvert.Nir;

/// <summary>
/// A NIR graph (the "NIRGraph" node at the root of a NIR file): named nodes, edges between them and graph metadata,
/// plus the file's format version.
/// </summary>
/// <param name="Version">The root "version" string, e.g. "1.0.8".</param>
/// <param name="Nodes">Nodes by name.</param>
/// <param name="Edges">Edges in file order.</param>
/// <param name="Metadata">Entries of the graph's metadata group.</param>
public sealed record NirGraph(string Version, IReadOnlyDictionary<string, NirNode> Nodes, IReadOnlyList<NirEdge> Edges, IReadOnlyDictionary<string, NirValue> Metadata);
