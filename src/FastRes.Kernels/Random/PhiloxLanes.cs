using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastRes.Kernels.Random;

/// <summary>
/// The integer and layout operations the vectorized Philox needs from "a bundle of lanes": one Philox block per
/// 64-bit lane, each 32-bit Philox word held in the low half of a <typeparamref name="TU"/> (ulong) lane, and the
/// matching <typeparamref name="TD"/> (double) view for the floating-point side.
/// </summary>
/// <remarks>
/// <para><see cref="Simd.ILanes{TVec,T}"/> is floating-point only (no shifts, xor, 32×32→64 multiplies or
/// interleaves), so the double arithmetic goes through it and this interface adds the rest.</para>
/// <para>Why 64-bit lanes for 32-bit words: the Philox round needs the full 64-bit product of two 32-bit words,
/// and x86's <c>vpmuludq</c> computes exactly that from the low halves of 64-bit lanes, ignoring the high halves.
/// So the high halves may hold garbage between rounds (cheaper than masking) and are cleared once at the end.</para>
/// <para>Every operation is exact (integer) or a bit move, so the lane results do not depend on the width.</para>
/// </remarks>
internal interface IPhiloxLanes<TU, TD>
    where TU : struct
    where TD : struct
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

    static abstract TD AsDouble(TU a);
    static abstract TU AsUInt64(TD a);

    /// <summary>
    /// Interleaves a and b: lower = a0 b0 a1 b1 … (first half of the lanes), upper = the second half. Bit moves only.
    /// </summary>
    static abstract void Zip(TD a, TD b, out TD lower, out TD upper);

    static abstract void Store(TU value, ref ulong destination);
    /// <summary>Rounds lower then upper to float (IEEE round-to-nearest) and stores the 2·Count floats.</summary>
    static abstract void StoreNarrow(TD lower, TD upper, ref float destination);
}

/// <summary><see cref="IPhiloxLanes{TU,TD}"/> over Vector512 (8 blocks per bundle).</summary>
internal readonly struct PhiloxLanes512 : IPhiloxLanes<Vector512<ulong>, Vector512<double>>
{
    public static int Count => Vector512<ulong>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> Broadcast(ulong value) => Vector512.Create(value);
    public static Vector512<ulong> Indices => Vector512<ulong>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> Add(Vector512<ulong> a, Vector512<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> Subtract(Vector512<ulong> a, Vector512<ulong> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> And(Vector512<ulong> a, Vector512<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> Or(Vector512<ulong> a, Vector512<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> ShiftLeft(Vector512<ulong> a, int count) => Vector512.ShiftLeft(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> ShiftRightLogical(Vector512<ulong> a, int count) => Vector512.ShiftRightLogical(a, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MultiplyLow32(Vector512<ulong> a, Vector512<ulong> b)
    {
        if (Avx512F.IsSupported) return Avx512F.Multiply(a.AsUInt32(), b.AsUInt32()); // vpmuludq
        Vector512<ulong> low = Vector512.Create(0xFFFF_FFFFUL);
        return (a & low) * (b & low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> AsDouble(Vector512<ulong> a) => a.AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<ulong> AsUInt64(Vector512<double> a) => a.AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip(Vector512<double> a, Vector512<double> b, out Vector512<double> lower, out Vector512<double> upper)
    {
        if (Avx512F.IsSupported)
        {
            // vpermt2pd: one two-source permute per output (index bit 3 selects b).
            lower = Avx512F.PermuteVar8x64x2(a, Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11), b);
            upper = Avx512F.PermuteVar8x64x2(a, Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15), b);
            return;
        }
        Vector512<double> fromA = Vector512.Create(-1L, 0, -1, 0, -1, 0, -1, 0).AsDouble();
        lower = Vector512.ConditionalSelect(fromA,
            Vector512.Shuffle(a, Vector512.Create(0L, 0, 1, 1, 2, 2, 3, 3)),
            Vector512.Shuffle(b, Vector512.Create(0L, 0, 1, 1, 2, 2, 3, 3)));
        upper = Vector512.ConditionalSelect(fromA,
            Vector512.Shuffle(a, Vector512.Create(4L, 4, 5, 5, 6, 6, 7, 7)),
            Vector512.Shuffle(b, Vector512.Create(4L, 4, 5, 5, 6, 6, 7, 7)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow(Vector512<double> lower, Vector512<double> upper, ref float destination) =>
        Vector512.Narrow(lower, upper).StoreUnsafe(ref destination);
}

/// <summary><see cref="IPhiloxLanes{TU,TD}"/> over Vector256 (4 blocks per bundle).</summary>
internal readonly struct PhiloxLanes256 : IPhiloxLanes<Vector256<ulong>, Vector256<double>>
{
    public static int Count => Vector256<ulong>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);
    public static Vector256<ulong> Indices => Vector256<ulong>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> Add(Vector256<ulong> a, Vector256<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> Subtract(Vector256<ulong> a, Vector256<ulong> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> And(Vector256<ulong> a, Vector256<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> Or(Vector256<ulong> a, Vector256<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> ShiftLeft(Vector256<ulong> a, int count) => Vector256.ShiftLeft(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> ShiftRightLogical(Vector256<ulong> a, int count) => Vector256.ShiftRightLogical(a, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MultiplyLow32(Vector256<ulong> a, Vector256<ulong> b)
    {
        if (Avx2.IsSupported) return Avx2.Multiply(a.AsUInt32(), b.AsUInt32()); // vpmuludq
        Vector256<ulong> low = Vector256.Create(0xFFFF_FFFFUL);
        return (a & low) * (b & low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> AsDouble(Vector256<ulong> a) => a.AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<ulong> AsUInt64(Vector256<double> a) => a.AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip(Vector256<double> a, Vector256<double> b, out Vector256<double> lower, out Vector256<double> upper)
    {
        Vector256<double> fromA = Vector256.Create(-1L, 0, -1, 0).AsDouble();
        lower = Vector256.ConditionalSelect(fromA,
            Vector256.Shuffle(a, Vector256.Create(0L, 0, 1, 1)),
            Vector256.Shuffle(b, Vector256.Create(0L, 0, 1, 1)));
        upper = Vector256.ConditionalSelect(fromA,
            Vector256.Shuffle(a, Vector256.Create(2L, 2, 3, 3)),
            Vector256.Shuffle(b, Vector256.Create(2L, 2, 3, 3)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow(Vector256<double> lower, Vector256<double> upper, ref float destination) =>
        Vector256.Narrow(lower, upper).StoreUnsafe(ref destination);
}

/// <summary><see cref="IPhiloxLanes{TU,TD}"/> over Vector128 (2 blocks per bundle).</summary>
internal readonly struct PhiloxLanes128 : IPhiloxLanes<Vector128<ulong>, Vector128<double>>
{
    public static int Count => Vector128<ulong>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> Broadcast(ulong value) => Vector128.Create(value);
    public static Vector128<ulong> Indices => Vector128<ulong>.Indices;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> Add(Vector128<ulong> a, Vector128<ulong> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> Subtract(Vector128<ulong> a, Vector128<ulong> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> Xor(Vector128<ulong> a, Vector128<ulong> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> And(Vector128<ulong> a, Vector128<ulong> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> Or(Vector128<ulong> a, Vector128<ulong> b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> ShiftLeft(Vector128<ulong> a, int count) => Vector128.ShiftLeft(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> ShiftRightLogical(Vector128<ulong> a, int count) => Vector128.ShiftRightLogical(a, count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MultiplyLow32(Vector128<ulong> a, Vector128<ulong> b)
    {
        if (Sse2.IsSupported) return Sse2.Multiply(a.AsUInt32(), b.AsUInt32()); // pmuludq
        Vector128<ulong> low = Vector128.Create(0xFFFF_FFFFUL);
        return (a & low) * (b & low);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> AsDouble(Vector128<ulong> a) => a.AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<ulong> AsUInt64(Vector128<double> a) => a.AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip(Vector128<double> a, Vector128<double> b, out Vector128<double> lower, out Vector128<double> upper)
    {
        if (Sse2.IsSupported)
        {
            lower = Sse2.UnpackLow(a, b);
            upper = Sse2.UnpackHigh(a, b);
            return;
        }
        lower = Vector128.Create(a.GetElement(0), b.GetElement(0));
        upper = Vector128.Create(a.GetElement(1), b.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow(Vector128<double> lower, Vector128<double> upper, ref float destination) =>
        Vector128.Narrow(lower, upper).StoreUnsafe(ref destination);
}

/// <summary>
/// <see cref="IPhiloxLanes{TU,TD}"/> over one scalar lane: the reference path, and the one
/// <c>DOTNET_EnableHWIntrinsic=0</c> resolves to. Same operations, so the same bits as the vector widths.
/// </summary>
internal readonly struct PhiloxLanes1 : IPhiloxLanes<ulong, double>
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Broadcast(ulong value) => value;
    public static ulong Indices => 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Add(ulong a, ulong b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Subtract(ulong a, ulong b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Xor(ulong a, ulong b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong And(ulong a, ulong b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Or(ulong a, ulong b) => a | b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong ShiftLeft(ulong a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong ShiftRightLogical(ulong a, int count) => a >> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong MultiplyLow32(ulong a, ulong b) => (ulong)(uint)a * (uint)b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double AsDouble(ulong a) => BitConverter.UInt64BitsToDouble(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong AsUInt64(double a) => BitConverter.DoubleToUInt64Bits(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip(double a, double b, out double lower, out double upper)
    {
        lower = a;
        upper = b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(ulong value, ref ulong destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow(double lower, double upper, ref float destination)
    {
        destination = (float)lower;
        Unsafe.Add(ref destination, 1) = (float)upper;
    }
}
