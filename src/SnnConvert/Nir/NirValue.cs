namespace SnnConvert.Nir;

/// <summary>
/// One HDF5 dataset of a NIR node: a field such as "weight" or "stride", or a metadata entry. Values are kept in the
/// three kinds NIR files use (floating point, integer, text); <see cref="Shape"/> is empty for a scalar.
/// </summary>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
public abstract record NirValue(int[] Shape)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Short description for messages, e.g. "float32 [12, 1, 5, 5]".</summary>
    public abstract string Describe();

    /// <summary>Shape as text, e.g. "[12, 1, 5, 5]" or "scalar".</summary>
    protected string ShapeText => Shape.Length == 0 ? "scalar" : $"[{string.Join(", ", Shape)}]";
}

/// <summary>Floating-point data (stored as float32; float64 datasets are narrowed on reading).</summary>
/// <param name="Values">Elements in row-major order.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record NirFloats(float[] Values, int[] Shape) : NirValue(Shape)
{
    /// <summary>A scalar.</summary>
    public NirFloats(float value) : this([value], []) { }

    /// <inheritdoc/>
    public override string Describe() => $"float {ShapeText}";
}

/// <summary>Integer data (stored as int64; narrower integer datasets are widened on reading).</summary>
/// <param name="Values">Elements in row-major order.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record NirIntegers(long[] Values, int[] Shape) : NirValue(Shape)
{
    /// <summary>A scalar.</summary>
    public NirIntegers(long value) : this([value], []) { }

    /// <summary>A one-dimensional array.</summary>
    public static NirIntegers Vector(params long[] values) => new(values, [values.Length]);

    /// <inheritdoc/>
    public override string Describe() => $"integer {ShapeText}";
}

/// <summary>UTF-8 text (variable-length strings).</summary>
/// <param name="Values">Elements in row-major order.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record NirText(string[] Values, int[] Shape) : NirValue(Shape)
{
    /// <summary>A scalar string.</summary>
    public NirText(string value) : this([value], []) { }

    /// <inheritdoc/>
    public override string Describe() => $"string {ShapeText}";
}

/// <summary>A dataset of a type SnnConvert does not read (compound, enum, opaque, ...); an error only if it is needed.</summary>
/// <param name="TypeName">The HDF5 type class.</param>
/// <param name="Shape">Dimensions.</param>
public sealed record NirUnreadable(string TypeName, int[] Shape) : NirValue(Shape)
{
    /// <inheritdoc/>
    public override string Describe() => $"{TypeName} {ShapeText} (not readable)";
}
