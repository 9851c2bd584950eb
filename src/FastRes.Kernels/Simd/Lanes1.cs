using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastRes.Kernels.Simd;

/// <summary>
/// <see cref="ILanes{TVec,T}"/> over a single scalar: the reference path every vector width is tested against.
/// Masks are the all-ones / all-zeros bit patterns, exactly like one lane of a hardware compare.
/// </summary>
public readonly struct Lanes1<T> : ILanes<T, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => 1;
    public static bool IsHardwareAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Create(T value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Load(ref readonly T source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(T value, ref T destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T GetLane(T value, int lane) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Add(T a, T b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Subtract(T a, T b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Multiply(T a, T b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Divide(T a, T b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T FusedMultiplyAdd(T a, T b, T c) => T.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sqrt(T a) => T.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Abs(T a) => T.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Negate(T a) => -a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Min(T a, T b) => a < b ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Max(T a, T b) => a > b ? a : b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T LessThan(T a, T b) => a < b ? T.AllBitsSet : T.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T LessThanOrEqual(T a, T b) => a <= b ? T.AllBitsSet : T.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T GreaterThan(T a, T b) => a > b ? T.AllBitsSet : T.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T IsNaN(T a) => T.IsNaN(a) ? T.AllBitsSet : T.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T IsNotFinite(T a) => T.IsFinite(a) ? T.Zero : T.AllBitsSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T And(T a, T b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Or(T a, T b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T AndNot(T a, T b) => a & ~b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Select(T mask, T a, T b) => (mask & a) | (b & ~mask);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MaskBits(T mask)
    {
        if (typeof(T) == typeof(double)) return Unsafe.BitCast<T, ulong>(mask) >> 63;
        return Unsafe.BitCast<T, uint>(mask) >> 31;
    }
}
