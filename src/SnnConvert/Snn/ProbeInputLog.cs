namespace SnnConvert.Snn;

/// <summary>
/// What the probed weighted layer of a runner received, block by block: its input maps and the non-zero counts its
/// engine choice reads. <see cref="SnnBlockRunner.Replay"/> hands the same inputs, in the same blocks, to the probed
/// layer of a runner of the same network whose probed layer differs only in its bias, so that its currents, and what
/// the probe makes of them, are bit for bit those of a new simulation, without simulating the stages before it
/// (post-calibration's second measurement of a layer). Maps are stored as codes into a table of the distinct values
/// seen (spikes and pooled spikes take a handful), packed 1, 2, 4 or 8 bits a value per block. Recording stops at a
/// block that would pass the memory budget or 256 distinct values, or at a constant current (nothing to gain): the
/// batch in progress is dropped, and it and the later batches are simulated again by the caller.
/// </summary>
internal sealed class ProbeInputLog
{
    private readonly long _budget;
    private readonly List<List<Block>> _batches = [];
    private readonly int[] _values = new int[256];   // the distinct values' bit patterns, in order of appearance
    private int _valueCount;
    private long _used;
    private bool _stopped;

    private sealed record Block(byte[] Packed, int Bits, int Length, int[]? NonZero, int Images, int Steps);

    /// <summary>
    /// Whether recording weighted layer <paramref name="stage"/>'s inputs pays: only when a weighted layer before it
    /// computes currents at every step. Under direct input the first one's current is constant, so re-running it (its
    /// neurons and a pooling) costs about what recording and decoding its spikes would.
    /// </summary>
    public static bool Pays(SpikingNetwork net, InputEncoding encoding, int stage) =>
        net.SynapticIndices.Any(s => s < stage && !InputEncoder.GivesConstantCurrent(net, encoding, s));

    /// <summary>An empty log that holds at most <paramref name="budgetBytes"/> bytes of recorded blocks.</summary>
    public ProbeInputLog(long budgetBytes) => _budget = budgetBytes;

    /// <summary>Batches held, from the first, once recording is over (each in full).</summary>
    public int Batches => _batches.Count;

    /// <summary>Bytes held.</summary>
    public long BytesUsed => _used;

    /// <summary>Blocks held of batch <paramref name="batch"/>.</summary>
    public int BlockCount(int batch) => _batches[batch].Count;

    /// <summary>Starts a batch (the runner's Start).</summary>
    public void BeginBatch()
    {
        if (!_stopped) _batches.Add([]);
    }

    /// <summary>Stops recording and drops the batch in progress.</summary>
    public void Stop()
    {
        if (_stopped) return;
        _stopped = true;
        if (_batches.Count == 0) return;
        foreach (Block b in _batches[^1]) _used -= b.Packed.Length + 4L * (b.NonZero?.Length ?? 0);
        _batches.RemoveAt(_batches.Count - 1);
    }

    /// <summary>Records one block: the probed layer's <paramref name="maps"/> (time-major) and the block's engine hints.</summary>
    public void Add(ReadOnlySpan<float> maps, BlockWorkspace block)
    {
        if (_stopped) return;
        byte[]? packed = null;
        int width = 1;
        // The width follows the table; a value new to the table that needs a wider code starts the block again.
        while (packed is null)
        {
            width = Width(_valueCount);
            packed = Pack(maps, width, out bool full);
            if (full) { Stop(); return; }
        }
        int[]? nonZero = block.NonZeroKnown ? block.NonZero.AsSpan(0, block.Pairs).ToArray() : null;
        long size = packed.Length + 4L * (nonZero?.Length ?? 0);
        if (_used + size > _budget) { Stop(); return; }
        _used += size;
        _batches[^1].Add(new Block(packed, width, maps.Length, nonZero, block.Images, block.Steps));
    }

    /// <summary>
    /// Writes block <paramref name="index"/> of batch <paramref name="batch"/> back: its maps into
    /// <paramref name="maps"/>, its size and engine hints into <paramref name="block"/>.
    /// </summary>
    public void Restore(int batch, int index, float[] maps, BlockWorkspace block)
    {
        Block b = _batches[batch][index];
        var values = new float[_valueCount];
        for (int v = 0; v < values.Length; v++) values[v] = BitConverter.Int32BitsToSingle(_values[v]);
        int width = b.Bits, perByte = 8 / width, mask = (1 << width) - 1, length = b.Length;
        byte[] packed = b.Packed;
        for (int at = 0, k = 0; k < length; at++)
        {
            int bits = packed[at];
            for (int j = 0; j < perByte && k < length; j++, k++, bits >>= width) maps[k] = values[bits & mask];
        }
        block.Images = b.Images;
        block.Steps = b.Steps;
        block.NonZeroKnown = b.NonZero is not null;
        b.NonZero?.CopyTo(block.NonZero, 0);
    }

    private static int Width(int values) => values <= 2 ? 1 : values <= 4 ? 2 : values <= 16 ? 4 : 8;

    // The codes of the values, width bits each, low bits first, adding new values to the table; null at the first value
    // whose code needs more bits (it is in the table then), or when the table is full.
    private byte[]? Pack(ReadOnlySpan<float> maps, int width, out bool full)
    {
        int perByte = 8 / width, length = maps.Length;
        var packed = new byte[(length + perByte - 1) / perByte];
        full = false;
        // A direct-mapped cache of the table in front of the search: one predictable branch per value.
        Span<int> cacheBits = stackalloc int[64], cacheCode = stackalloc int[64];
        cacheCode.Fill(-1);
        for (int at = 0, k = 0; k < length; at++)
        {
            int word = 0;
            for (int j = 0; j < perByte && k < length; j++, k++)
            {
                int bits = BitConverter.SingleToInt32Bits(maps[k]);
                int slot = (int)((uint)(bits * -1640531535) >> 26), code = cacheCode[slot];
                if (code < 0 || cacheBits[slot] != bits)
                {
                    code = Code(bits);
                    full = code < 0;
                    if (full || code >> width != 0) return null;
                    (cacheBits[slot], cacheCode[slot]) = (bits, code);
                }
                word |= code << (j * width);
            }
            packed[at] = (byte)word;
        }
        return packed;
    }

    // The code of a value's bit pattern (exact: -0 and each NaN payload are values of their own), added when new; -1
    // when it is new and the table is full.
    private int Code(int bits)
    {
        for (int v = 0; v < _valueCount; v++)
            if (_values[v] == bits) return v;
        if (_valueCount == _values.Length) return -1;
        _values[_valueCount] = bits;
        return _valueCount++;
    }
}
