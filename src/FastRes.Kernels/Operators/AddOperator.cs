using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

/// <summary>Sum: lane-wise x + y, horizontal reduction by Vector*.Sum, identity 0.</summary>
public readonly struct AddOperator<T> : IAggregationOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static bool Vectorizable => Vector128<T>.IsSupported;
    public static T IdentityValue => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Invoke(T x, T y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x + y;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x + y;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Invoke(Vector128<T> x) => Vector128.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Invoke(Vector256<T> x) => Vector256.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Invoke(Vector512<T> x) => Vector512.Sum(x);
}
