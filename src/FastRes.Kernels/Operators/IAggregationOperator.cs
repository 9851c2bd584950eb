using System.Numerics;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

/// <summary>
/// An associative, commutative combination (sum, max, …) with an identity: the binary members combine partial
/// results lane-wise, the single-argument vector members reduce one vector to a scalar. Lanes a reduction must
/// ignore are filled with <see cref="IdentityValue"/>.
/// </summary>
public interface IAggregationOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    static abstract T IdentityValue { get; }

    static abstract T Invoke(Vector128<T> x);
    static abstract T Invoke(Vector256<T> x);
    static abstract T Invoke(Vector512<T> x);
}
