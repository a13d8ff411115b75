namespace SnnConvert.Snn;

/// <summary>Images [<paramref name="Start"/>, <paramref name="End"/>) of a dataset, by their global index.</summary>
/// <param name="Start">First image.</param>
/// <param name="End">One past the last image (equal to <paramref name="Start"/> for an empty range).</param>
public readonly record struct ImageRange(int Start, int End)
{
    /// <summary>Images in the range.</summary>
    public int Count => End - Start;

    /// <summary>Every image of a dataset of <paramref name="count"/> images.</summary>
    public static ImageRange All(int count) => new(0, count);
}
