using System.Numerics;
using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Diagnostics;

/// <summary>
/// The machine's peak floating-point throughput, as every other kernel figure is quoted against (SPEC §5):
/// <see cref="Chains"/> independent chains x ← x·m + c of fused multiply-adds, so the loop is bound by FMA
/// throughput, not latency. Returns the flops it did; the caller times it.
/// </summary>
/// <remarks>
/// <para>Why 12 chains: a chain issues one FMA per FMA latency (4 cycles on Zen 4, Ice Lake, Sapphire Rapids;
/// 5 on Zen 1–2), and a core has at most two FMA pipes, so 8–10 chains saturate every current x64 core
/// (Zen 4 even splits a 512-bit FMA over both 256-bit pipes, halving what Vector512 needs). 12 leaves
/// margin and, with the two constants, uses 14 vector registers: it fits AVX2's 16 without spills, which
/// 16 chains would not.</para>
/// <para>The JIT cannot drop the work: every accumulator is stored to the caller's span at the end, and the
/// recurrence is not one the JIT folds. The values stay in a normal range (from 2–3 down towards c/(1−m) = 1), so no lane ever
/// hits a denormal, which would slow some cores down.</para>
/// </remarks>
public static class FmaPeak
{
    /// <summary>Independent accumulator vectors in flight.</summary>
    public const int Chains = 12;

    /// <summary>The multiplier m of x ← x·m + c.</summary>
    public const double Multiplier = 0.999;

    /// <summary>The addend c of x ← x·m + c (fixed point c/(1−m) = 1).</summary>
    public const double Addend = 0.001;

    /// <summary>The start value of element <paramref name="index"/> of the state (chain-major, lane-minor).</summary>
    public static T InitialValue<T>(int index) where T : IBinaryFloatingPointIeee754<T>
        => T.CreateChecked(2.0 + index / 256.0);

    /// <summary>Elements of the state span (Chains × lanes) at this width.</summary>
    public static int StateLength<T>(SimdWidth width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Chains * SimdDispatch.LaneCount<T>(width);

    /// <summary>Flops of one loop iteration: 2 per lane per chain (an FMA counts as a multiply and an add).</summary>
    public static long FlopsPerIteration<T>(SimdWidth width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => 2L * StateLength<T>(width);

    /// <summary>
    /// Runs <paramref name="iterations"/> iterations at <paramref name="width"/> (Auto = widest accelerated) and
    /// leaves the final accumulators in <paramref name="state"/> (length ≥ <see cref="StateLength{T}"/>).
    /// Returns the flops done.
    /// </summary>
    public static long Run<T>(SimdWidth width, long iterations, Span<T> state) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(double) && typeof(T) != typeof(float))
            throw new NotSupportedException($"FmaPeak runs in double or float, not {typeof(T).Name}.");
        var job = new Job<T>(iterations, state);
        return SimdDispatch.Run<Job<T>, T, long>(width, ref job);
    }

    private readonly ref struct Job<T>(long iterations, Span<T> state) : ISimdJob<T, long>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _state = state;

        public long Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct
            => Run<TLanes, TVec, T>(iterations, _state);
    }

    /// <summary>The kernel, once per lane bundle; see the type's remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Run<TLanes, TVec, T>(long iterations, Span<T> state)
        where TLanes : ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(iterations);
        int n = TLanes.Count;
        if (state.Length < Chains * n)
            throw new ArgumentException($"state needs {Chains * n} elements, got {state.Length}.", nameof(state));
        for (int i = 0; i < Chains * n; i++) state[i] = InitialValue<T>(i);

        ref T s = ref state[0];
        TVec m = TLanes.Create(T.CreateChecked(Multiplier));
        TVec c = TLanes.Create(T.CreateChecked(Addend));
        TVec a0 = TLanes.Load(in Unsafe.Add(ref s, 0 * n)), a1 = TLanes.Load(in Unsafe.Add(ref s, 1 * n));
        TVec a2 = TLanes.Load(in Unsafe.Add(ref s, 2 * n)), a3 = TLanes.Load(in Unsafe.Add(ref s, 3 * n));
        TVec a4 = TLanes.Load(in Unsafe.Add(ref s, 4 * n)), a5 = TLanes.Load(in Unsafe.Add(ref s, 5 * n));
        TVec a6 = TLanes.Load(in Unsafe.Add(ref s, 6 * n)), a7 = TLanes.Load(in Unsafe.Add(ref s, 7 * n));
        TVec a8 = TLanes.Load(in Unsafe.Add(ref s, 8 * n)), a9 = TLanes.Load(in Unsafe.Add(ref s, 9 * n));
        TVec a10 = TLanes.Load(in Unsafe.Add(ref s, 10 * n)), a11 = TLanes.Load(in Unsafe.Add(ref s, 11 * n));

        for (long it = 0; it < iterations; it++)
        {
            a0 = TLanes.FusedMultiplyAdd(a0, m, c); a1 = TLanes.FusedMultiplyAdd(a1, m, c);
            a2 = TLanes.FusedMultiplyAdd(a2, m, c); a3 = TLanes.FusedMultiplyAdd(a3, m, c);
            a4 = TLanes.FusedMultiplyAdd(a4, m, c); a5 = TLanes.FusedMultiplyAdd(a5, m, c);
            a6 = TLanes.FusedMultiplyAdd(a6, m, c); a7 = TLanes.FusedMultiplyAdd(a7, m, c);
            a8 = TLanes.FusedMultiplyAdd(a8, m, c); a9 = TLanes.FusedMultiplyAdd(a9, m, c);
            a10 = TLanes.FusedMultiplyAdd(a10, m, c); a11 = TLanes.FusedMultiplyAdd(a11, m, c);
        }

        TLanes.Store(a0, ref Unsafe.Add(ref s, 0 * n)); TLanes.Store(a1, ref Unsafe.Add(ref s, 1 * n));
        TLanes.Store(a2, ref Unsafe.Add(ref s, 2 * n)); TLanes.Store(a3, ref Unsafe.Add(ref s, 3 * n));
        TLanes.Store(a4, ref Unsafe.Add(ref s, 4 * n)); TLanes.Store(a5, ref Unsafe.Add(ref s, 5 * n));
        TLanes.Store(a6, ref Unsafe.Add(ref s, 6 * n)); TLanes.Store(a7, ref Unsafe.Add(ref s, 7 * n));
        TLanes.Store(a8, ref Unsafe.Add(ref s, 8 * n)); TLanes.Store(a9, ref Unsafe.Add(ref s, 9 * n));
        TLanes.Store(a10, ref Unsafe.Add(ref s, 10 * n)); TLanes.Store(a11, ref Unsafe.Add(ref s, 11 * n));
        return iterations * 2L * Chains * n;
    }
}
