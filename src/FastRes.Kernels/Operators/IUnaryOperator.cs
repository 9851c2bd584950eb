using System.Numerics;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Operators;

/// <summary>
/// An element-wise function y = f(x), given once per width (the TensorPrimitives operator shape). The struct
/// carries no state: <see cref="UnaryDriver"/> calls the static members, so the JIT inlines them into its loop.
/// </summary>
/// <remarks>The scalar <see cref="Invoke(T)"/> is the test oracle of the vector ones (SPEC §5).</remarks>
public interface IUnaryOperator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>False when the vector members are not implemented for <typeparamref name="T"/>: the driver then
    /// stays scalar.</summary>
    static abstract bool Vectorizable { get; }

    static abstract T Invoke(T x);
    static abstract Vector128<T> Invoke(Vector128<T> x);
    static abstract Vector256<T> Invoke(Vector256<T> x);
    static abstract Vector512<T> Invoke(Vector512<T> x);
}
