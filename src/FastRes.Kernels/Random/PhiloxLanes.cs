using System.Runtime.CompilerServices;

namespace FastRes.Kernels.Random;

/// <summary>
/// The integer and layout operations the vectorized Philox needs from "a bundle of lanes": one Philox block per
/// 64-bit lane, each 32-bit Philox word held in the low half of a <typeparamref name="TU"/> (ulong) lane; the
/// floating-point side sees the same lanes as doubles (<see cref="AsDouble{TD}"/>) through <see cref="Simd.ILanes{TVec,T}"/>.
/// </summary>
/// <remarks>
/// <para><see cref="Simd.ILanes{TVec,T}"/> is floating-point only (no shifts, xor, 32×32→64 multiplies or
/// interleaves), so the double arithmetic goes through it and this interface adds the rest.</para>
/// <para>Why 64-bit lanes for 32-bit words: the Philox round needs the full 64-bit product of two 32-bit words,
/// and x86's <c>vpmuludq</c> computes exactly that from the low halves of 64-bit lanes, ignoring the high halves.
/// So the high halves may hold garbage between rounds (cheaper than masking) and are cleared once at the end.</para>
/// <para>Every operation is exact (integer) or a bit move, so the lane results do not depend on the width.</para>
/// <para>One struct per width (PhiloxLanes512.cs, …) like <see cref="Simd.Lanes512{T}"/>: without a public
/// <c>ISimdVector</c> in .NET 10 the same operator has to be named once per vector type.</para>
/// </remarks>
internal interface IPhiloxLanes<TU>
    where TU : struct
{
    /// <summary>Philox blocks (64-bit lanes) per bundle.</summary>
    static abstract int Count { get; }

    static abstract TU Broadcast(ulong value);
    /// <summary>0, 1, …, Count − 1.</summary>
    static abstract TU Indices { get; }
    static abstract TU Add(TU a, TU b);
    static abstract TU Subtract(TU a, TU b);
    static abstract TU Xor(TU a, TU b);
    static abstract TU And(TU a, TU b);
    static abstract TU Or(TU a, TU b);
    static abstract TU ShiftLeft(TU a, int count);
    static abstract TU ShiftRightLogical(TU a, int count);
    /// <summary>(a mod 2^32) · (b mod 2^32) as a full 64-bit product: the high halves of the inputs are ignored.</summary>
    static abstract TU MultiplyLow32(TU a, TU b);

    /// <summary>
    /// Interleaves the 64-bit lanes of a and b: lower = a0 b0 a1 b1 … (first half of the lanes), upper = the second
    /// half. Bit moves only, so <typeparamref name="TV"/> may be any same-sized view (the double lanes, say).
    /// </summary>
    static abstract void Zip<TV>(TV a, TV b, out TV lower, out TV upper) where TV : struct;

    /// <summary>Rounds the double lanes of lower then upper to float (IEEE round-to-nearest) and stores the 2·Count floats.</summary>
    static abstract void StoreNarrow<TV>(TV lower, TV upper, ref float destination) where TV : struct;

    // Reinterpretations between the integer and the floating-point view of the same lanes: free, and the same at
    // every width, hence written once here.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static virtual TD AsDouble<TD>(TU a) where TD : struct => Unsafe.BitCast<TU, TD>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static virtual TU AsUInt64<TD>(TD a) where TD : struct => Unsafe.BitCast<TD, TU>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static virtual void Store(TU value, ref ulong destination) => Unsafe.WriteUnaligned(ref Unsafe.As<ulong, byte>(ref destination), value);
}
