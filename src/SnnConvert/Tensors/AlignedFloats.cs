using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SnnConvert.Tensors;

/// <summary>
/// Floats whose first element sits on a 64-byte boundary: one cache line, one 512-bit vector. A kernel that loads
/// whole vectors from them never splits a load across two cache lines; with weights at the 16-byte offset a .NET
/// array's data usually has, every 512-bit load is split, which slows the event-driven convolutions
/// (docs/benchmarks.md). The array lives in the pinned object heap, so the alignment holds for its lifetime.
/// </summary>
public sealed class AlignedFloats
{
    /// <summary>Bytes of alignment.</summary>
    public const int Alignment = 64;

    /// <summary>Floats a scratch buffer needs beyond what it holds so that <see cref="Align"/> can skip to a boundary.</summary>
    public const int Slack = Alignment / sizeof(float) - 1;

    private readonly float[] _array;
    private readonly int _offset;

    /// <summary>Allocates <paramref name="length"/> zeros.</summary>
    public AlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _array = GC.AllocateArray<float>(length + Slack, pinned: true);
        _offset = Skip(_array);
        Length = length;
    }

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>The floats.</summary>
    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>
    /// The part of <paramref name="buffer"/> from its first 64-byte boundary on (at most <see cref="Slack"/> floats
    /// shorter). For scratch in ordinary arrays: if the collector moves the array during a call, only speed suffers.
    /// </summary>
    public static Span<float> Align(Span<float> buffer) => buffer.Slice(Math.Min(Skip(buffer), buffer.Length));

    // Floats from the start of `buffer` to its first 64-byte boundary. Float data is 4-byte aligned.
    private static unsafe int Skip(Span<float> buffer)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer));
        return (int)((Alignment - address % Alignment) % Alignment / sizeof(float));
    }
}
