using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastRes.Kernels.Random;

/// <summary><see cref="IPhiloxLanes{TU}"/> over Vector128 (2 blocks per bundle).</summary>
internal readonly struct PhiloxLanes128 : IPhiloxLanes<Vector128<ulong>>
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<TV>(TV a, TV b, out TV lower, out TV upper) where TV : struct
    {
        Vector128<ulong> x = Unsafe.BitCast<TV, Vector128<ulong>>(a), y = Unsafe.BitCast<TV, Vector128<ulong>>(b), lo, hi;
        if (Sse2.IsSupported)
        {
            lo = Sse2.UnpackLow(x, y);
            hi = Sse2.UnpackHigh(x, y);
        }
        else
        {
            lo = Vector128.Create(x.GetElement(0), y.GetElement(0));
            hi = Vector128.Create(x.GetElement(1), y.GetElement(1));
        }
        lower = Unsafe.BitCast<Vector128<ulong>, TV>(lo);
        upper = Unsafe.BitCast<Vector128<ulong>, TV>(hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow<TV>(TV lower, TV upper, ref float destination) where TV : struct =>
        Vector128.Narrow(Unsafe.BitCast<TV, Vector128<double>>(lower), Unsafe.BitCast<TV, Vector128<double>>(upper)).StoreUnsafe(ref destination);
}
