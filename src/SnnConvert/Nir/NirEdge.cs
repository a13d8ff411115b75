namespace SnnConvert.Nir;

/// <summary>A directed edge: the output of <paramref name="Source"/> feeds <paramref name="Target"/>.</summary>
/// <param name="Source">Name of the sending node.</param>
/// <param name="Target">Name of the receiving node.</param>
public sealed record NirEdge(string Source, string Target);
