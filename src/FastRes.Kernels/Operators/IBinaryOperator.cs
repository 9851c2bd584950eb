using System.Numerics;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

/// <summary>An element-wise function z = f(x, y), given once per width.</summary>
public interface IBinaryOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    static abstract bool Vectorizable { get; }

    static abstract T Invoke(T x, T y);
    static abstract Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);
    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
    static abstract Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}
