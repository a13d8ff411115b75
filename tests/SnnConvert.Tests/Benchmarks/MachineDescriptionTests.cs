using System.Runtime.Intrinsics;
using SnnConvert.Benchmarks;
using Xunit;

namespace SnnConvert.Tests.Benchmarks;

public sealed class MachineDescriptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Removes the temporary folder.</summary>
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Cpuinfo_gives_the_first_processors_model_name_family_and_model_number()
    {
        string path = _temp.Write("cpuinfo", System.Text.Encoding.ASCII.GetBytes(
            "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 23\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7601 32-Core Processor\nflags\t\t: avx2\n\n" +
            "processor\t: 1\ncpu family\t: 99\nmodel\t\t: 98\nmodel name\t: other\n"));

        var (model, family, number) = MachineDescription.ReadCpuInfo(path);

        Assert.Equal("AMD EPYC 7601 32-Core Processor", model);
        Assert.Equal(23, family);
        Assert.Equal(1, number);
        Assert.Equal((null, null, null), MachineDescription.ReadCpuInfo(_temp.File("absent")));
    }

    [Fact]
    public void The_summary_names_the_widest_accelerated_vector_of_this_process()
    {
        var machine = MachineDescription.Current();

        int expected = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;
        Assert.Equal(expected, machine.VectorBits);
        Assert.Equal(System.Numerics.Vector<float>.Count, machine.VectorFloatLanes);
        Assert.Contains($"vectors: {expected}-bit", machine.Summary());
        Assert.False(string.IsNullOrWhiteSpace(machine.MatrixProducts));
    }
}
