using System.Numerics;

namespace SnnConvert.Kernels;

/// <summary>
/// The tile transforms of one Winograd algorithm F(m x m, 3x3) for <see cref="WinogradDriver{T}"/>: a struct type
/// parameter, so that the JIT compiles the driver once per transform with the transforms inlined. Both work on vectors
/// of consecutive channels (channels-last layouts) at the offsets the driver gives.
/// </summary>
internal interface IWinogradTransform
{
    /// <summary>Output tile side m; input windows are m + 2 wide and have (m + 2)^2 transformed positions.</summary>
    static abstract int TileSize { get; }

    /// <summary>
    /// dst[o + xi * step] = (B^T d B)[xi] for the window d whose element (r, q) is src[at + r * rowStep + q * colStep];
    /// <paramref name="scratch"/> holds (m + 2)^2 vectors.
    /// </summary>
    static abstract void InputTile(ref float src, nuint at, nuint rowStep, nuint colStep, ref float dst, nuint o, nuint step,
        ref Vector<float> scratch);

    /// <summary>
    /// dst[o + a * down + b * next] = (A^T M A)[a][b] + bias for M[xi] = src[at + xi * step];
    /// <paramref name="scratch"/> holds (m + 2)^2 vectors.
    /// </summary>
    static abstract void OutputTile(ref float src, nuint at, nuint step, Vector<float> bias, ref float dst, nuint o, nuint next, nuint down,
        ref Vector<float> scratch);
}
