namespace SnnConvert.Tensors;

/// <summary>
/// A float32 tensor over one contiguous array, row-major; 4-D tensors are NCHW.
/// The tensor owns its array; kernels work on <see cref="Span"/> views of it.
/// </summary>
public sealed class Tensor
{
    /// <summary>The elements, row-major. Its length equals the product of <see cref="Shape"/>.</summary>
    public float[] Data { get; }

    /// <summary>The size of each dimension, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>A zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        Shape = (int[])shape.Clone();
        Data = new float[ElementCount(shape)];
    }

    /// <summary>
    /// A tensor whose elements are left as the allocator found them (not zeroed), for outputs a kernel overwrites
    /// entirely: zeroing a batch-sized array costs as much as a cheap element-wise pass over it.
    /// </summary>
    public static Tensor Uninitialized(params int[] shape) =>
        new(GC.AllocateUninitializedArray<float>(ElementCount(shape)), shape);

    /// <summary>Wraps <paramref name="data"/> (not copied) with the given shape.</summary>
    /// <exception cref="ArgumentException">The data length does not match the shape.</exception>
    public Tensor(float[] data, params int[] shape)
    {
        long n = ElementCount(shape);
        if (data.Length != n)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {n}", nameof(data));
        Data = data;
        Shape = (int[])shape.Clone();
    }

    /// <summary>A writable view of all elements.</summary>
    public Span<float> Span => Data;

    /// <summary>Size of dimension <paramref name="dim"/>; negative counts from the end.</summary>
    public int Dim(int dim) => Shape[dim < 0 ? Shape.Length + dim : dim];

    /// <summary>A tensor with the same data array and a new shape of equal element count.</summary>
    public Tensor Reshape(params int[] shape) => new(Data, shape);

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new((float[])Data.Clone(), Shape);

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Array.Clear(Data);

    /// <summary>True when both shapes are equal.</summary>
    public bool SameShape(Tensor other) => Shape.AsSpan().SequenceEqual(other.Shape);

    /// <summary>The shape as text, e.g. <c>[50, 12, 24, 24]</c>.</summary>
    public string ShapeText => ShapeToText(Shape);

    /// <summary>Formats a shape as text, e.g. <c>[50, 12, 24, 24]</c>.</summary>
    public static string ShapeToText(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Product of the dimensions; throws when it overflows an array.</summary>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape {ShapeToText(shape)}");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"shape {ShapeToText(shape)} has more elements than an array can hold");
        }
        return (int)n;
    }

    /// <inheritdoc/>
    public override string ToString() => $"Tensor{ShapeText}";
}
