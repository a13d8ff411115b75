using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

/// <summary>Whether OpenBLAS could be loaded in this process (probed once).</summary>
internal static class OpenBlasProbe
{
    private static readonly Lazy<OpenBlasGemm?> Loaded = new(OpenBlasGemm.TryLoad);

    /// <summary>The loaded backend, or null when libopenblas is not installed.</summary>
    public static OpenBlasGemm? Gemm => Loaded.Value;

    /// <summary>Why OpenBLAS tests are skipped.</summary>
    public const string SkipReason =
        "OpenBLAS (libopenblas.so.0, Debian package libopenblas0) could not be loaded: OpenBLAS tests skipped. " +
        "Set SNNCONVERT_REQUIRE_OPENBLAS=1 to make its absence a failure.";
}

/// <summary>A fact that is reported as skipped (with the reason) when OpenBLAS cannot be loaded.</summary>
public sealed class OpenBlasFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when OpenBLAS is missing.</summary>
    public OpenBlasFactAttribute()
    {
        if (OpenBlasProbe.Gemm is null) Skip = OpenBlasProbe.SkipReason;
    }
}

/// <summary>A theory that is reported as skipped (with the reason) when OpenBLAS cannot be loaded.</summary>
public sealed class OpenBlasTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when OpenBLAS is missing.</summary>
    public OpenBlasTheoryAttribute()
    {
        if (OpenBlasProbe.Gemm is null) Skip = OpenBlasProbe.SkipReason;
    }
}

public class OpenBlasAvailabilityTests
{
    [Fact]
    public void OpenBlas_loads_when_the_environment_requires_it()
    {
        // CI sets SNNCONVERT_REQUIRE_OPENBLAS=1, where the OpenBLAS tests must run rather than be skipped.
        if (Environment.GetEnvironmentVariable("SNNCONVERT_REQUIRE_OPENBLAS") != "1") return;
        Assert.True(OpenBlasProbe.Gemm is not null, OpenBlasProbe.SkipReason);
        Assert.StartsWith("OpenBLAS", OpenBlasProbe.Gemm!.Name);
    }

    [Fact]
    public void Blas_selects_OpenBlas_when_it_loads_unless_managed_is_forced()
    {
        bool forcedManaged = string.Equals(Environment.GetEnvironmentVariable("SNNCONVERT_BLAS"), "managed", StringComparison.OrdinalIgnoreCase);
        if (forcedManaged || OpenBlasProbe.Gemm is null) Assert.IsType<ManagedGemm>(Blas.Gemm);
        else Assert.IsType<OpenBlasGemm>(Blas.Gemm);
        Assert.Contains(Blas.Gemm.Name, Blas.Description);
    }
}
