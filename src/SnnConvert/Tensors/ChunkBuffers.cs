namespace SnnConvert.Tensors;

/// <summary>
/// Scratch buffers, one per chunk of <see cref="ChunkedParallel"/>, grown on demand and reused across calls so that
/// hot loops do not allocate (e.g. the im2col columns of each chunk of images).
/// </summary>
public sealed class ChunkBuffers
{
    private float[][] _buffers = [];

    /// <summary>Buffers of at least <paramref name="size"/> floats for each chunk of <paramref name="count"/> items.</summary>
    public float[][] Get(int count, int size) => GetChunks(ChunkedParallel.ChunkCount(count), size);

    /// <summary>Buffers of at least <paramref name="size"/> floats for each of <paramref name="chunks"/> chunks.</summary>
    public float[][] GetChunks(int chunks, int size)
    {
        if (_buffers.Length < chunks) Array.Resize(ref _buffers, chunks);
        for (int i = 0; i < chunks; i++)
            if (_buffers[i] is null || _buffers[i].Length < size) _buffers[i] = new float[size];
        return _buffers;
    }
}
