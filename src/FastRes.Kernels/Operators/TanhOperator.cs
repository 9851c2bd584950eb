using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Operators;

/// <summary>tanh, element-wise: <see cref="TanhKernel"/> at each width (double; other types stay scalar).</summary>
public readonly struct TanhOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static bool Vectorizable => typeof(T) == typeof(double);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x)
        => Vectorizable ? Unsafe.BitCast<double, T>(TanhKernel.Tanh<Lanes1<double>, double>(Unsafe.BitCast<T, double>(x))) : T.Tanh(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => TanhKernel.Tanh<Lanes128<double>, Vector128<double>>(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => TanhKernel.Tanh<Lanes256<double>, Vector256<double>>(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => TanhKernel.Tanh<Lanes512<double>, Vector512<double>>(x.AsDouble()).As<double, T>();
}
