using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Operators;

/// <summary>
/// Runs an <see cref="IUnaryOperator{T}"/> over a span: y[i] = f(x[i]) at the widest accelerated width, the
/// element-wise driver of TensorPrimitives (dotnet/runtime, System.Numerics.Tensors) in small.
/// </summary>
/// <remarks>
/// Full vectors four at a time (independent chains, so a latency-bound operator like acos keeps the FP units
/// busy), then one at a time; a ragged tail is covered by one more vector ending exactly at the last element,
/// overlapping elements already written (they get the same values again). Spans shorter than one vector go
/// through the scalar <c>Invoke(T)</c>. Since every width computes bit-identical lanes, the result does not
/// depend on the width chosen.
/// </remarks>
public static class UnaryDriver
{
    /// <summary>y[i] = TOp(x[i]) for i &lt; x.Length. x and y may be the same span, but must not partly overlap.</summary>
    /// <exception cref="ArgumentException">y is shorter than x, or x and y partly overlap.</exception>
    public static void Invoke<TOp, T>(ReadOnlySpan<T> x, Span<T> y)
        where TOp : struct, IUnaryOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Invoke<TOp, T>(x, y, SimdWidth.Auto);

    /// <summary>As <see cref="Invoke{TOp,T}(ReadOnlySpan{T},Span{T})"/> at a forced width (tests, benchmarks);
    /// an explicit width runs even where it is not hardware accelerated.</summary>
    internal static void Invoke<TOp, T>(ReadOnlySpan<T> x, Span<T> y, SimdWidth width)
        where TOp : struct, IUnaryOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (y.Length < x.Length)
            throw new ArgumentException($"Destination length {y.Length} is shorter than the input length {x.Length}.", nameof(y));
        // The overlapping tail vector re-reads inputs after earlier stores: harmless when y is x itself (the tail
        // is computed before the loop), wrong when y is x shifted.
        if (x.Overlaps(y, out int offset) && offset != 0)
            throw new ArgumentException("Input and destination overlap without being the same span.", nameof(y));

        y = y[..x.Length];
        switch (TOp.Vectorizable ? SimdWidths.Resolve(width) : SimdWidth.Scalar)
        {
            case SimdWidth.V512: Vectorized<Lanes512<T>, Vector512<T>, Unary512<TOp, T>, TOp, T>(x, y); break;
            case SimdWidth.V256: Vectorized<Lanes256<T>, Vector256<T>, Unary256<TOp, T>, TOp, T>(x, y); break;
            case SimdWidth.V128: Vectorized<Lanes128<T>, Vector128<T>, Unary128<TOp, T>, TOp, T>(x, y); break;
            default: Scalar<TOp, T>(x, y); break;
        }
    }

    private static void Scalar<TOp, T>(ReadOnlySpan<T> x, Span<T> y)
        where TOp : struct, IUnaryOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            y[i] = TOp.Invoke(x[i]);
    }

    private static void Vectorized<TL, TVec, TAt, TOp, T>(ReadOnlySpan<T> x, Span<T> y)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where TAt : struct, IVectorUnary<TVec>
        where TOp : struct, IUnaryOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = x.Length, w = TL.Count;
        if (n < w)
        {
            Scalar<TOp, T>(x, y);
            return;
        }

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);

        // Before any store, so that an in-place call (y == x) sees original inputs in the overlapping tail.
        TVec last = TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, n - w)));

        int i = 0;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            TVec r0 = TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, i)));
            TVec r1 = TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, i + w)));
            TVec r2 = TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, i + 2 * w)));
            TVec r3 = TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, i + 3 * w)));
            TL.Store(r0, ref Unsafe.Add(ref yr, i));
            TL.Store(r1, ref Unsafe.Add(ref yr, i + w));
            TL.Store(r2, ref Unsafe.Add(ref yr, i + 2 * w));
            TL.Store(r3, ref Unsafe.Add(ref yr, i + 3 * w));
        }
        for (; i <= n - w; i += w)
            TL.Store(TAt.Invoke(TL.Load(in Unsafe.Add(ref xr, i))), ref Unsafe.Add(ref yr, i));

        if (i != n)
            TL.Store(last, ref Unsafe.Add(ref yr, n - w));
    }
}
