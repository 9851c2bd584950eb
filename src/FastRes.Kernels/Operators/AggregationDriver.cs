using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Operators;

/// <summary>
/// Reduces a binary map of two spans: TAggregate over i of TBinary(x[i], y[i]) (dot product = Add over Multiply),
/// the aggregation driver of TensorPrimitives (dotnet/runtime, System.Numerics.Tensors) in small.
/// </summary>
/// <remarks>
/// Four independent vector accumulators (the adds are latency-bound), then one vector at a time; a ragged tail
/// is one more vector ending at the last element whose lanes already counted are replaced by the identity, so
/// no element is counted twice. The order of combination differs from a sequential loop and between widths, so
/// floating-point sums may differ from the sequential sum in the last bits.
/// </remarks>
public static class AggregationDriver
{
    /// <exception cref="ArgumentException">x and y differ in length.</exception>
    public static T Aggregate<TBinary, TAggregate, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where TBinary : struct, IBinaryOperator<T>
        where TAggregate : struct, IAggregationOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Aggregate<TBinary, TAggregate, T>(x, y, SimdWidth.Auto);

    /// <summary>As the public overload at a forced width (tests, benchmarks).</summary>
    internal static T Aggregate<TBinary, TAggregate, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, SimdWidth width)
        where TBinary : struct, IBinaryOperator<T>
        where TAggregate : struct, IAggregationOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"Input lengths differ ({x.Length} and {y.Length}).", nameof(y));

        bool vectorizable = TBinary.Vectorizable && TAggregate.Vectorizable;
        return (vectorizable ? SimdWidths.Resolve(width) : SimdWidth.Scalar) switch
        {
            SimdWidth.V512 => Vectorized<Lanes512<T>, Vector512<T>, Binary512<TBinary, T>, Aggregation512<TAggregate, T>, TBinary, TAggregate, T>(x, y),
            SimdWidth.V256 => Vectorized<Lanes256<T>, Vector256<T>, Binary256<TBinary, T>, Aggregation256<TAggregate, T>, TBinary, TAggregate, T>(x, y),
            SimdWidth.V128 => Vectorized<Lanes128<T>, Vector128<T>, Binary128<TBinary, T>, Aggregation128<TAggregate, T>, TBinary, TAggregate, T>(x, y),
            _ => Scalar<TBinary, TAggregate, T>(x, y),
        };
    }

    private static T Scalar<TBinary, TAggregate, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where TBinary : struct, IBinaryOperator<T>
        where TAggregate : struct, IAggregationOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T acc = TAggregate.IdentityValue;
        for (int i = 0; i < x.Length; i++)
            acc = TAggregate.Invoke(acc, TBinary.Invoke(x[i], y[i]));
        return acc;
    }

    private static T Vectorized<TL, TVec, TMap, TAgg, TBinary, TAggregate, T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where TL : struct, ILanes<TVec, T>
        where TVec : struct
        where TMap : struct, IVectorBinary<TVec>
        where TAgg : struct, IVectorAggregation<TVec, T>
        where TBinary : struct, IBinaryOperator<T>
        where TAggregate : struct, IAggregationOperator<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = x.Length, w = TL.Count;
        if (n < w)
            return Scalar<TBinary, TAggregate, T>(x, y);

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        TVec identity = TL.Create(TAggregate.IdentityValue);
        TVec a0 = identity, a1 = identity, a2 = identity, a3 = identity;

        int i = 0;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            a0 = TAgg.Invoke(a0, TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, i)), TL.Load(in Unsafe.Add(ref yr, i))));
            a1 = TAgg.Invoke(a1, TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, i + w)), TL.Load(in Unsafe.Add(ref yr, i + w))));
            a2 = TAgg.Invoke(a2, TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, i + 2 * w)), TL.Load(in Unsafe.Add(ref yr, i + 2 * w))));
            a3 = TAgg.Invoke(a3, TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, i + 3 * w)), TL.Load(in Unsafe.Add(ref yr, i + 3 * w))));
        }
        for (; i <= n - w; i += w)
            a0 = TAgg.Invoke(a0, TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, i)), TL.Load(in Unsafe.Add(ref yr, i))));

        if (i != n)
        {
            // The last w elements; the first w − (n − i) of them were already counted.
            TVec tail = TMap.Invoke(TL.Load(in Unsafe.Add(ref xr, n - w)), TL.Load(in Unsafe.Add(ref yr, n - w)));
            TVec keep = TL.Load(in RemainderMask<T>.For(w, n - i));
            a1 = TAgg.Invoke(a1, TL.Select(keep, tail, identity));
        }

        return TAgg.Reduce(TAgg.Invoke(TAgg.Invoke(a0, a1), TAgg.Invoke(a2, a3)));
    }
}

/// <summary>
/// Masks selecting the last r lanes of a w-lane vector, read from one table [0 × W, all-ones × W] (W the widest
/// count) at offset W − w + r: lane j reads all-ones exactly when j ≥ w − r.
/// </summary>
internal static class RemainderMask<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private static readonly T[] Table = Build();

    private static T[] Build()
    {
        int wMax = Vector512<T>.Count;
        var table = new T[2 * wMax];
        table.AsSpan(wMax).Fill(T.AllBitsSet);
        return table;
    }

    /// <param name="w">lanes per vector</param>
    /// <param name="r">lanes to keep, 0 ≤ r ≤ w</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref readonly T For(int w, int r) => ref Table[Vector512<T>.Count - w + r];
}
