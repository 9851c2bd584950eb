using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastRes.Kernels.Random;

/// <summary><see cref="IPhiloxLanes{TU}"/> over Vector256 (4 blocks per bundle).</summary>
internal readonly struct PhiloxLanes256 : IPhiloxLanes<Vector256<ulong>>
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<TV>(TV a, TV b, out TV lower, out TV upper) where TV : struct
    {
        Vector256<ulong> x = Unsafe.BitCast<TV, Vector256<ulong>>(a), y = Unsafe.BitCast<TV, Vector256<ulong>>(b), lo, hi;
        Vector256<ulong> fromX = Vector256.Create(~0UL, 0, ~0UL, 0);
        lo = Vector256.ConditionalSelect(fromX, Vector256.Shuffle(x, Vector256.Create(0UL, 0, 1, 1)), Vector256.Shuffle(y, Vector256.Create(0UL, 0, 1, 1)));
        hi = Vector256.ConditionalSelect(fromX, Vector256.Shuffle(x, Vector256.Create(2UL, 2, 3, 3)), Vector256.Shuffle(y, Vector256.Create(2UL, 2, 3, 3)));
        lower = Unsafe.BitCast<Vector256<ulong>, TV>(lo);
        upper = Unsafe.BitCast<Vector256<ulong>, TV>(hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow<TV>(TV lower, TV upper, ref float destination) where TV : struct =>
        Vector256.Narrow(Unsafe.BitCast<TV, Vector256<double>>(lower), Unsafe.BitCast<TV, Vector256<double>>(upper)).StoreUnsafe(ref destination);
}
