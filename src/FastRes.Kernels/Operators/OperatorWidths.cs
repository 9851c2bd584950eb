using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

// An operator exposes one Invoke per width; a driver's loop is written once, generic over ILanes. These small
// structs bridge the two: "the operator's Invoke at width W" as a generic static call, which the JIT specializes
// and inlines exactly like a direct call.

internal interface IVectorUnary<TVec> where TVec : struct
{
    static abstract TVec Invoke(TVec x);
}

internal interface IVectorBinary<TVec> where TVec : struct
{
    static abstract TVec Invoke(TVec x, TVec y);
}

/// <summary>The binary member combines partial results; <see cref="Reduce"/> folds one vector to a scalar.</summary>
internal interface IVectorAggregation<TVec, T> : IVectorBinary<TVec> where TVec : struct
{
    static abstract T Reduce(TVec x);
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

internal readonly struct Binary128<TOp, T> : IVectorBinary<Vector128<T>>
    where TOp : struct, IBinaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => TOp.Invoke(x, y);
}

internal readonly struct Binary256<TOp, T> : IVectorBinary<Vector256<T>>
    where TOp : struct, IBinaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => TOp.Invoke(x, y);
}

internal readonly struct Binary512<TOp, T> : IVectorBinary<Vector512<T>>
    where TOp : struct, IBinaryOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => TOp.Invoke(x, y);
}

internal readonly struct Aggregation128<TOp, T> : IVectorAggregation<Vector128<T>, T>
    where TOp : struct, IAggregationOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => TOp.Invoke(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Reduce(Vector128<T> x) => TOp.Invoke(x);
}

internal readonly struct Aggregation256<TOp, T> : IVectorAggregation<Vector256<T>, T>
    where TOp : struct, IAggregationOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => TOp.Invoke(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Reduce(Vector256<T> x) => TOp.Invoke(x);
}

internal readonly struct Aggregation512<TOp, T> : IVectorAggregation<Vector512<T>, T>
    where TOp : struct, IAggregationOperator<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => TOp.Invoke(x, y);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Reduce(Vector512<T> x) => TOp.Invoke(x);
}
