using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SnnConvert.Kernels;

/// <summary>
/// The vector operations the kernels' loops need, for one vector type (TensorPrimitives' operator-struct pattern): a
/// loop written once over <typeparamref name="TVec"/> runs at 512 bits (<see cref="Lanes512"/>), 256 bits
/// (<see cref="Lanes256"/>) or <see cref="Vector{T}"/>'s width (<see cref="LanesVector"/>), the JIT compiling it once per
/// struct with every operation inlined. Masks are float vectors with all bits set where true; <typeparamref name="TInt"/>
/// counts lanes (mask lanes are -1 where set).
/// </summary>
internal interface IVectorLanes<TVec, TInt>
{
    static abstract int Count { get; }
    static abstract TVec One { get; }
    static abstract TVec Zero { get; }
    static abstract TInt NoneFired { get; }
    static abstract TVec Create(float value);
    static abstract TVec Load(ref float source, nuint at);
    static abstract void Store(TVec value, ref float destination, nuint at);
    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Subtract(TVec a, TVec b);
    static abstract TVec Multiply(TVec a, TVec b);
    static abstract TVec GreaterThanOrEqual(TVec a, TVec b);
    static abstract TVec Select(TVec mask, TVec whenSet, TVec otherwise);
    static abstract TInt AddFired(TInt fired, TVec mask);
    static abstract int Sum(TInt fired);

    /// <summary>One bit per lane, lane 0 lowest, set where the lane is not zero.</summary>
    static abstract ulong NonZeroBits(TVec value);
}

/// <summary><see cref="IVectorLanes{TVec, TInt}"/> on 512-bit vectors.</summary>
internal readonly struct Lanes512 : IVectorLanes<Vector512<float>, Vector512<int>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> One => Vector512<float>.One;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<int> NoneFired => Vector512<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, nuint at) => Vector512.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> GreaterThanOrEqual(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> whenSet, Vector512<float> otherwise) => Vector512.ConditionalSelect(mask, whenSet, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<int> AddFired(Vector512<int> fired, Vector512<float> mask) => fired - mask.AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector512<int> fired) => Vector512.Sum(fired);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong NonZeroBits(Vector512<float> value) => Vector512.ExtractMostSignificantBits(~Vector512.Equals(value, Vector512<float>.Zero));
}

/// <summary><see cref="IVectorLanes{TVec, TInt}"/> on 256-bit vectors.</summary>
internal readonly struct Lanes256 : IVectorLanes<Vector256<float>, Vector256<int>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> One => Vector256<float>.One;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<int> NoneFired => Vector256<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, nuint at) => Vector256.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> GreaterThanOrEqual(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> whenSet, Vector256<float> otherwise) => Vector256.ConditionalSelect(mask, whenSet, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<int> AddFired(Vector256<int> fired, Vector256<float> mask) => fired - mask.AsInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector256<int> fired) => Vector256.Sum(fired);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong NonZeroBits(Vector256<float> value) => Vector256.ExtractMostSignificantBits(~Vector256.Equals(value, Vector256<float>.Zero));
}

/// <summary><see cref="IVectorLanes{TVec, TInt}"/> on <see cref="Vector{T}"/>.</summary>
internal readonly struct LanesVector : IVectorLanes<Vector<float>, Vector<int>>
{
    public static int Count => Vector<float>.Count;
    public static Vector<float> One => Vector<float>.One;
    public static Vector<float> Zero => Vector<float>.Zero;
    public static Vector<int> NoneFired => Vector<int>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Load(ref float source, nuint at) => Vector.LoadUnsafe(ref source, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector<float> value, ref float destination, nuint at) => value.StoreUnsafe(ref destination, at);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Add(Vector<float> a, Vector<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Subtract(Vector<float> a, Vector<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Multiply(Vector<float> a, Vector<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> GreaterThanOrEqual(Vector<float> a, Vector<float> b) => Vector.GreaterThanOrEqual<float>(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<float> Select(Vector<float> mask, Vector<float> whenSet, Vector<float> otherwise) => Vector.ConditionalSelect(mask, whenSet, otherwise);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector<int> AddFired(Vector<int> fired, Vector<float> mask) => fired - Vector.AsVectorInt32(mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(Vector<int> fired) => Vector.Sum(fired);

    // Lane by lane: no kernel's hot loop asks Vector<T> for bits (they use the fixed widths).
    public static ulong NonZeroBits(Vector<float> value)
    {
        ulong bits = 0;
        for (int lane = 0; lane < Vector<float>.Count; lane++) bits |= value[lane] != 0f ? 1UL << lane : 0UL;
        return bits;
    }
}
