using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

// An operator exposes one Invoke per width; the driver's loop is written once, generic over ILanes. These small
// structs bridge the two: "the operator's Invoke at width W" as a generic static call, which the JIT specializes
// and inlines exactly like a direct call.

internal interface IVectorUnary<TVec> where TVec : struct
{
    static abstract TVec Invoke(TVec x);
}

internal readonly struct Unary128<TOp, T> : IVectorUnary<Vector128<T>>
    where TOp : struct, IUnaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Invoke(Vector128<T> x) => TOp.Invoke(x);
}

internal readonly struct Unary256<TOp, T> : IVectorUnary<Vector256<T>>
    where TOp : struct, IUnaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Invoke(Vector256<T> x) => TOp.Invoke(x);
}

internal readonly struct Unary512<TOp, T> : IVectorUnary<Vector512<T>>
    where TOp : struct, IUnaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Invoke(Vector512<T> x) => TOp.Invoke(x);
}
