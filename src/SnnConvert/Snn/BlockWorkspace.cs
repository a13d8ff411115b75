using SnnConvert.Tensors;

namespace SnnConvert.Snn;

/// <summary>
/// The state of the block being simulated that the stages share: its size, the GEMM currents, which (image, step)
/// pairs the current stage computes event-driven, the non-zero count of each map the last stage wrote (read by the
/// next stage's engine choice), the predictions, and scratch. Element (t, i) of a block is image i at the block's
/// step t (time-major). Buffers are allocated once.
/// </summary>
internal sealed class BlockWorkspace
{
    /// <summary>(image, step) pairs of the GEMM's gathered groups when only some of a block's pairs go dense.</summary>
    public const int GatherImages = 32;

    /// <summary>Buffers for blocks of up to <paramref name="maxSteps"/> steps of <paramref name="maxBatch"/> images.</summary>
    public BlockWorkspace(int maxBatch, int maxSteps, int maxCurrent, int maxIn, bool gather)
    {
        Current = new float[(long)maxSteps * maxBatch * maxCurrent];
        EventImage = new bool[maxSteps * maxBatch];
        NonZero = new int[maxSteps * maxBatch];
        Predictions = new int[maxSteps * maxBatch];
        GatherIn = gather ? new float[GatherImages * maxIn] : [];
        GatherOut = gather ? new float[GatherImages * maxCurrent] : [];
    }

    /// <summary>Images of the batch.</summary>
    public int Images { get; set; }

    /// <summary>The batch's step at which the block starts (0 for the first block).</summary>
    public int FirstStep { get; set; }

    /// <summary>Steps of the block.</summary>
    public int Steps { get; set; }

    /// <summary>(image, step) pairs of the block.</summary>
    public int Pairs => Images * Steps;

    /// <summary>Currents computed by the GEMM, (T_block * N, largest current).</summary>
    public float[] Current { get; }

    /// <summary>Per (image, step): computed event-driven by the stage being run.</summary>
    public bool[] EventImage { get; }

    /// <summary>Per (image, step): non-zero values of the last map written, when <see cref="NonZeroKnown"/>.</summary>
    public int[] NonZero { get; }

    /// <summary>Whether <see cref="NonZero"/> describes the map the next stage reads.</summary>
    public bool NonZeroKnown { get; set; }

    /// <summary>Per (step, image): the predicted class.</summary>
    public int[] Predictions { get; }

    /// <summary>Inputs and currents of a gathered group (engine Auto, when a block is split between the engines).</summary>
    public float[] GatherIn { get; }

    /// <summary>See <see cref="GatherIn"/>.</summary>
    public float[] GatherOut { get; }

    /// <summary>Workspace of the im2col convolution.</summary>
    public ChunkBuffers Im2Col { get; } = new();

    /// <summary>Workspace of the Winograd convolution.</summary>
    public ChunkBuffers Winograd { get; } = new();

    /// <summary>Per-worker scratch of the integration loops (event-driven currents, spikes before pooling).</summary>
    public ChunkBuffers Scratch { get; } = new();
}
