using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastRes.Kernels.Simd;

/// <summary>Two independent vectors handled as one bundle of 2 × TL.Count lanes.</summary>
public struct VectorPair<TVec> where TVec : struct
{
    public TVec Lo;
    public TVec Hi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public VectorPair(TVec lo, TVec hi) { Lo = lo; Hi = hi; }
}

/// <summary>
/// <see cref="ILanes{TVec,T}"/> over a pair of vectors: every operation is issued twice, on two independent vectors.
/// </summary>
/// <remarks>
/// A kernel whose step is one long dependency chain (dot → acos → sqrt → division → update) runs latency-bound when
/// one vector is in flight: the out-of-order window is too small to overlap whole consecutive steps. Written over a
/// pair, the same source interleaves two chains statement by statement, so the core always has independent work —
/// the interleaving SPEC §5 asks for, without writing the kernel twice. Lane results are unchanged (each lane sees
/// the same operations), so a pair is bit-identical to its halves run one at a time.
/// </remarks>
public readonly struct LanePair<TL, TVec, T> : ILanes<VectorPair<TVec>, T>
    where TL : struct, ILanes<TVec, T>
    where TVec : struct
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public static int Count => 2 * TL.Count;
    public static bool IsHardwareAccelerated => TL.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Create(T value) { var v = TL.Create(value); return new(v, v); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Load(ref readonly T source) => new(TL.Load(in source), TL.Load(in Unsafe.Add(ref Unsafe.AsRef(in source), TL.Count)));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(VectorPair<TVec> value, ref T destination) { TL.Store(value.Lo, ref destination); TL.Store(value.Hi, ref Unsafe.Add(ref destination, TL.Count)); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T GetLane(VectorPair<TVec> value, int lane) => lane < TL.Count ? TL.GetLane(value.Lo, lane) : TL.GetLane(value.Hi, lane - TL.Count);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Add(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Add(a.Lo, b.Lo), TL.Add(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Subtract(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Subtract(a.Lo, b.Lo), TL.Subtract(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Multiply(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Multiply(a.Lo, b.Lo), TL.Multiply(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Divide(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Divide(a.Lo, b.Lo), TL.Divide(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> FusedMultiplyAdd(VectorPair<TVec> a, VectorPair<TVec> b, VectorPair<TVec> c) => new(TL.FusedMultiplyAdd(a.Lo, b.Lo, c.Lo), TL.FusedMultiplyAdd(a.Hi, b.Hi, c.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Sqrt(VectorPair<TVec> a) => new(TL.Sqrt(a.Lo), TL.Sqrt(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Abs(VectorPair<TVec> a) => new(TL.Abs(a.Lo), TL.Abs(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Negate(VectorPair<TVec> a) => new(TL.Negate(a.Lo), TL.Negate(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Min(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Min(a.Lo, b.Lo), TL.Min(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Max(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Max(a.Lo, b.Lo), TL.Max(a.Hi, b.Hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> LessThan(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.LessThan(a.Lo, b.Lo), TL.LessThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> LessThanOrEqual(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.LessThanOrEqual(a.Lo, b.Lo), TL.LessThanOrEqual(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> GreaterThan(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.GreaterThan(a.Lo, b.Lo), TL.GreaterThan(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> IsNaN(VectorPair<TVec> a) => new(TL.IsNaN(a.Lo), TL.IsNaN(a.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> IsNotFinite(VectorPair<TVec> a) => new(TL.IsNotFinite(a.Lo), TL.IsNotFinite(a.Hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> And(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.And(a.Lo, b.Lo), TL.And(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Or(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Or(a.Lo, b.Lo), TL.Or(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> AndNot(VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.AndNot(a.Lo, b.Lo), TL.AndNot(a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static VectorPair<TVec> Select(VectorPair<TVec> mask, VectorPair<TVec> a, VectorPair<TVec> b) => new(TL.Select(mask.Lo, a.Lo, b.Lo), TL.Select(mask.Hi, a.Hi, b.Hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong MaskBits(VectorPair<TVec> mask) => TL.MaskBits(mask.Lo) | TL.MaskBits(mask.Hi) << TL.Count;
}
