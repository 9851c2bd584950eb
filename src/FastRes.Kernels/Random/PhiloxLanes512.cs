using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FastRes.Kernels.Random;

/// <summary><see cref="IPhiloxLanes{TU}"/> over Vector512 (8 blocks per bundle).</summary>
internal readonly struct PhiloxLanes512 : IPhiloxLanes<Vector512<ulong>>
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<TV>(TV a, TV b, out TV lower, out TV upper) where TV : struct
    {
        Vector512<ulong> x = Unsafe.BitCast<TV, Vector512<ulong>>(a), y = Unsafe.BitCast<TV, Vector512<ulong>>(b), lo, hi;
        if (Avx512F.IsSupported)
        {
            // vpermt2q: one two-source permute per output (index bit 3 selects y).
            lo = Avx512F.PermuteVar8x64x2(x, Vector512.Create(0UL, 8, 1, 9, 2, 10, 3, 11), y);
            hi = Avx512F.PermuteVar8x64x2(x, Vector512.Create(4UL, 12, 5, 13, 6, 14, 7, 15), y);
        }
        else
        {
            Vector512<ulong> fromX = Vector512.Create(~0UL, 0, ~0UL, 0, ~0UL, 0, ~0UL, 0);
            lo = Vector512.ConditionalSelect(fromX,
                Vector512.Shuffle(x, Vector512.Create(0UL, 0, 1, 1, 2, 2, 3, 3)),
                Vector512.Shuffle(y, Vector512.Create(0UL, 0, 1, 1, 2, 2, 3, 3)));
            hi = Vector512.ConditionalSelect(fromX,
                Vector512.Shuffle(x, Vector512.Create(4UL, 4, 5, 5, 6, 6, 7, 7)),
                Vector512.Shuffle(y, Vector512.Create(4UL, 4, 5, 5, 6, 6, 7, 7)));
        }
        lower = Unsafe.BitCast<Vector512<ulong>, TV>(lo);
        upper = Unsafe.BitCast<Vector512<ulong>, TV>(hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow<TV>(TV lower, TV upper, ref float destination) where TV : struct =>
        Vector512.Narrow(Unsafe.BitCast<TV, Vector512<double>>(lower), Unsafe.BitCast<TV, Vector512<double>>(upper)).StoreUnsafe(ref destination);
}
