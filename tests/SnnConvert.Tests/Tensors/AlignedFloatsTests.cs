using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

public class AlignedFloatsTests
{
    private static unsafe long Address(Span<float> span) => (long)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(19200)]
    [InlineData(100_000)]   // large enough for the large object heap, were it not pinned
    public void Storage_starts_on_a_cache_line_holds_the_length_and_starts_zeroed(int length)
    {
        var floats = new AlignedFloats(length);
        Assert.Equal(length, floats.Span.Length);
        Assert.Equal(0, Address(floats.Span) % AlignedFloats.Alignment);
        Assert.All(floats.Span.ToArray(), v => Assert.Equal(0f, v));
        floats.Span[^1] = 3f;   // the last float is the caller's
        Assert.Equal(3f, floats.Span[^1]);
        // A collection does not move it.
        long before = Address(floats.Span);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(before, Address(floats.Span));
    }

    [Fact]
    public void Align_skips_to_the_first_boundary_of_any_buffer_with_slack()
    {
        var buffer = GC.AllocateArray<float>(100 + AlignedFloats.Slack, pinned: true);
        for (int start = 0; start < 16; start++)
        {
            Span<float> slice = buffer.AsSpan(start, 100 + AlignedFloats.Slack - start);
            Span<float> aligned = AlignedFloats.Align(slice);
            Assert.Equal(0, Address(aligned) % AlignedFloats.Alignment);
            int skipped = slice.Length - aligned.Length;
            Assert.InRange(skipped, 0, AlignedFloats.Slack);
            Assert.Equal(Address(slice) + 4L * skipped, Address(aligned));
        }
        Assert.Equal(0, AlignedFloats.Align(Span<float>.Empty).Length);
    }
}
