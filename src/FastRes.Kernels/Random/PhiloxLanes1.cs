using System.Runtime.CompilerServices;

namespace FastRes.Kernels.Random;

/// <summary>
/// <see cref="IPhiloxLanes{TU}"/> over one scalar lane: the reference path, and the one
/// <c>DOTNET_EnableHWIntrinsic=0</c> resolves to. Same operations, so the same bits as the vector widths.
/// </summary>
internal readonly struct PhiloxLanes1 : IPhiloxLanes<ulong>
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

    /// <summary>One lane: nothing to interleave, "lower" is block 0's first value and "upper" its second.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zip<TV>(TV a, TV b, out TV lower, out TV upper) where TV : struct
    {
        lower = a;
        upper = b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrow<TV>(TV lower, TV upper, ref float destination) where TV : struct
    {
        destination = (float)Unsafe.BitCast<TV, double>(lower);
        Unsafe.Add(ref destination, 1) = (float)Unsafe.BitCast<TV, double>(upper);
    }
}
