namespace SnnConvert.Tensors;

/// <summary>
/// Chooses the matrix-product backend once per process: OpenBLAS when it loads, else the managed
/// fallback. Set <c>SNNCONVERT_BLAS=managed</c> to force the fallback.
/// </summary>
public static class Blas
{
    private static readonly Lazy<IGemm> Selected = new(Select, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The active backend.</summary>
    public static IGemm Gemm => Selected.Value;

    /// <summary>A one-line description of the active backend, for logs.</summary>
    public static string Description => $"matrix products: {Gemm.Name}";

    private static IGemm Select()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("SNNCONVERT_BLAS"), "managed", StringComparison.OrdinalIgnoreCase))
            return new ManagedGemm();
        return (IGemm?)OpenBlasGemm.TryLoad() ?? new ManagedGemm();
    }
}
