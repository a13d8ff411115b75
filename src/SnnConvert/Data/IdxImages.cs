namespace SnnConvert.Data;

/// <summary>The content of an IDX image file (magic 2051): <paramref name="Count"/> images of
/// <paramref name="Rows"/> x <paramref name="Columns"/> unsigned bytes, row-major, one after another.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Image height.</param>
/// <param name="Columns">Image width.</param>
/// <param name="Pixels">Count * Rows * Columns bytes.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);
