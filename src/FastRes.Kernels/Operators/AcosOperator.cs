using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Maths;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Operators;

/// <summary>acos, element-wise: <see cref="AcosKernel"/> at each width (one algorithm, bit-identical lanes).</summary>
public readonly struct AcosOperator<T> : IUnaryOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static bool Vectorizable => typeof(T) == typeof(double) || typeof(T) == typeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Invoke(T x)
        => Vectorizable ? AcosKernel.Acos<Lanes1<T>, T, T>(x) : T.Acos(x); // T.Acos: Half, NFloat, … (no vector path)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => AcosKernel.Acos<Lanes128<T>, Vector128<T>, T>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => AcosKernel.Acos<Lanes256<T>, Vector256<T>, T>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => AcosKernel.Acos<Lanes512<T>, Vector512<T>, T>(x);
}
