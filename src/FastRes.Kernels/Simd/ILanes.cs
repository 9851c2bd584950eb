using System.Numerics;

namespace FastRes.Kernels.Simd;

/// <summary>
/// The arithmetic a kernel needs from "a bundle of lanes": a Vector512, Vector256 or Vector128 of
/// <typeparamref name="T"/>, or a single scalar. Kernels are written once, generic over a struct
/// implementing this interface; the JIT specializes each instantiation, so the abstraction costs nothing.
/// </summary>
/// <remarks>
/// <para>System.Runtime.Intrinsics' own <c>ISimdVector</c> is internal in .NET 10, hence this small copy.</para>
/// <para>Every operation is a single IEEE operation per lane (FMA is fused everywhere, including the scalar
/// path through <see cref="Math.FusedMultiplyAdd(double, double, double)"/>), so a kernel produces bit-identical
/// lane results at every width: that is what makes trial outcomes independent of SIMD width.</para>
/// <para>Masks are vectors whose lanes are all-ones (true) or all-zeros (false), as the hardware compares give.</para>
/// </remarks>
public interface ILanes<TVec, T>
    where TVec : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Lanes per bundle.</summary>
    static abstract int Count { get; }

    /// <summary>True when this width runs on hardware (not the software fallback).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    static abstract TVec Create(T value);
    static abstract TVec Load(ref readonly T source);
    static abstract void Store(TVec value, ref T destination);
    static abstract T GetLane(TVec value, int lane);

    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Subtract(TVec a, TVec b);
    static abstract TVec Multiply(TVec a, TVec b);
    static abstract TVec Divide(TVec a, TVec b);
    /// <summary>a·b + c with a single rounding.</summary>
    static abstract TVec FusedMultiplyAdd(TVec a, TVec b, TVec c);
    static abstract TVec Sqrt(TVec a);
    static abstract TVec Abs(TVec a);
    static abstract TVec Negate(TVec a);
    /// <summary>IEEE minNum-like: a &lt; b ? a : b (NaN handling follows the hardware compare).</summary>
    static abstract TVec Min(TVec a, TVec b);
    static abstract TVec Max(TVec a, TVec b);

    static abstract TVec LessThan(TVec a, TVec b);
    static abstract TVec LessThanOrEqual(TVec a, TVec b);
    static abstract TVec GreaterThan(TVec a, TVec b);
    /// <summary>Lanes that are NaN (a != a).</summary>
    static abstract TVec IsNaN(TVec a);
    /// <summary>Lanes that are NaN or ±∞.</summary>
    static abstract TVec IsNotFinite(TVec a);

    static abstract TVec And(TVec a, TVec b);
    static abstract TVec Or(TVec a, TVec b);
    static abstract TVec AndNot(TVec a, TVec b);
    /// <summary>mask ? a : b, lane-wise.</summary>
    static abstract TVec Select(TVec mask, TVec a, TVec b);
    /// <summary>Bit i set when lane i of the mask is set.</summary>
    static abstract ulong MaskBits(TVec mask);
}
