using System.Numerics;
using System.Runtime.Intrinsics;
using SnnConvert.Tensors;

namespace SnnConvert.Benchmarks;

/// <summary>
/// The CPU and the arithmetic a run used: its model (from /proc/cpuinfo), the vector widths the JIT accelerates in
/// this process (which <c>DOTNET_EnableAVX512F=0</c> or <c>DOTNET_EnableAVX2=0</c> lower) and the matrix-product
/// backend. Every benchmark record carries it, because the same code runs at very different speeds on AVX-512 and
/// AVX2 machines.
/// </summary>
/// <param name="CpuModel">The "model name" of /proc/cpuinfo, else the process architecture.</param>
/// <param name="CpuFamily">The x86 "cpu family" number, when known.</param>
/// <param name="CpuModelNumber">The x86 "model" number, when known.</param>
/// <param name="Vector512Accelerated"><see cref="Vector512.IsHardwareAccelerated"/>.</param>
/// <param name="Vector256Accelerated"><see cref="Vector256.IsHardwareAccelerated"/>.</param>
/// <param name="Avx512F"><see cref="System.Runtime.Intrinsics.X86.Avx512F.IsSupported"/>.</param>
/// <param name="Avx2"><see cref="System.Runtime.Intrinsics.X86.Avx2.IsSupported"/>.</param>
/// <param name="VectorFloatLanes"><see cref="Vector{T}.Count"/> for float: the width of <c>Vector&lt;float&gt;</c> loops.</param>
/// <param name="MatrixProducts">The GEMM backend: "OpenBLAS (its openblas_get_config string)" or the managed one.</param>
public sealed record MachineDescription(string CpuModel, int? CpuFamily, int? CpuModelNumber, bool Vector512Accelerated,
    bool Vector256Accelerated, bool Avx512F, bool Avx2, int VectorFloatLanes, string MatrixProducts)
{
    /// <summary>The widest accelerated vector in bits: 512, 256, 128, or 0 when none is.</summary>
    public int VectorBits => Vector512Accelerated ? 512 : Vector256Accelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>This process on this machine.</summary>
    public static MachineDescription Current()
    {
        var (model, family, number) = ReadCpuInfo("/proc/cpuinfo");
        string blas = Blas.Gemm is OpenBlasGemm ? Blas.Gemm.Name : $"managed GEMM ({Blas.Gemm.Name})";
        return new MachineDescription(model ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), family, number,
            Vector512.IsHardwareAccelerated, Vector256.IsHardwareAccelerated, System.Runtime.Intrinsics.X86.Avx512F.IsSupported, System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            Vector<float>.Count, blas);
    }

    /// <summary>One line: "cpu: MODEL (family F model M); vectors: 512-bit, Vector&lt;float&gt; 16 lanes, AVX-512F yes, AVX2 yes".</summary>
    public string Summary()
    {
        string numbers = CpuFamily is { } f && CpuModelNumber is { } m ? $" (family {f} model {m})" : "";
        return $"cpu: {CpuModel}{numbers}; vectors: {VectorBits}-bit, Vector<float> {VectorFloatLanes} lanes, " +
               $"AVX-512F {YesNo(Avx512F)}, AVX2 {YesNo(Avx2)}";
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>The first processor's "model name", "cpu family" and "model" in a /proc/cpuinfo-style file; nulls
    /// where the file or an entry is absent (off Linux the caller names the architecture instead).</summary>
    /// <param name="path">The file, normally /proc/cpuinfo.</param>
    public static (string? Model, int? Family, int? Number) ReadCpuInfo(string path)
    {
        string? model = null;
        int? family = null, number = null;
        if (!File.Exists(path)) return (null, null, null);
        foreach (string line in File.ReadLines(path))
        {
            if (line.Length == 0 && model is not null) break;
            int colon = line.IndexOf(':');
            if (colon < 0) continue;
            string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (key == "model name") model ??= value;
            else if (key == "cpu family" && int.TryParse(value, out int f)) family ??= f;
            else if (key == "model" && int.TryParse(value, out int m)) number ??= m;
        }
        return (model, family, number);
    }
}
