using System.Runtime.Intrinsics;
using FastRes.Kernels.Random;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// Picks the <see cref="ShortcutCnnSampledEngine{TL,TVec,TP,TU}"/> instantiation for a width: the double lanes and
/// the 64-bit integer lanes of the same registers that the per-lane Philox needs (double only: the normals are
/// 53-bit Box–Muller pairs, and the peer it is measured against is float64).
/// </summary>
public static class ShortcutCnnSampledEngines
{
    /// <summary>Runs every trial of <paramref name="feed"/>; returns trial-iterations done (× n = sample-trial-iterations).</summary>
    public static long Run(SimdWidth width, ShortcutCnnSampledSettings settings, IShortcutCnnSampledFeed feed)
    {
        var job = new RunJob(settings, feed);
        return SimdDispatch.Run<RunJob, double, long>(width, ref job);
    }

    /// <summary>
    /// The empirical loss L̂ and gradients ∇_w L̂ (= ∇_u L̂), ∇_a L̂ at fixed points on nested sample sets: point i
    /// (trial <paramref name="trials"/>[i], state u, a, teacher v*, a*, rows of length p or k) on its samples 1..n of
    /// <paramref name="draw"/> for each n of <paramref name="sampleCounts"/> (increasing). Outputs: loss[i·S + c],
    /// gradW[(i·S + c)·p + j], gradA[(i·S + c)·k + j]. Bit-identical at every width.
    /// </summary>
    public static void Evaluate(SimdWidth width, int p, int k, ulong seed, uint draw, ReadOnlySpan<ulong> trials,
                                ReadOnlySpan<double> u, ReadOnlySpan<double> vStar, ReadOnlySpan<double> a, ReadOnlySpan<double> aStar,
                                ReadOnlySpan<int> sampleCounts, Span<double> loss, Span<double> gradW, Span<double> gradA)
    {
        int points = trials.Length, S = sampleCounts.Length;
        if (u.Length != points * p || vStar.Length != points * p) throw new ArgumentException("u and vStar must hold p values per point");
        if (a.Length != points * k || aStar.Length != points * k) throw new ArgumentException("a and aStar must hold k values per point");
        if (loss.Length != points * S || gradW.Length != points * S * p || gradA.Length != points * S * k)
            throw new ArgumentException("outputs must hold one row per (point, sample count)");
        for (int c = 0; c < S; c++)
            if (sampleCounts[c] < 1 || (c > 0 && sampleCounts[c] <= sampleCounts[c - 1]))
                throw new ArgumentException("sample counts must be positive and increasing", nameof(sampleCounts));
        if (points == 0 || S == 0) return;
        var gd = new ShortcutCnnGdSettings(p, k, 0, 1, 0, 0);
        var job = new EvaluateJob(new ShortcutCnnSampledSettings(gd, sampleCounts[^1], ShortcutCnnSampleMode.Fixed, seed), draw,
            trials, u, vStar, a, aStar, sampleCounts, loss, gradW, gradA);
        SimdDispatch.Run<EvaluateJob, double>(width, ref job);
    }

    /// <summary>The engine at the width's double lanes and the matching Philox lanes (typeof tests are JIT-time constants).</summary>
    private static IShortcutCnnSampledEngine At<TL, TVec>(in ShortcutCnnSampledSettings s)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        if (typeof(TVec) == typeof(Vector512<double>)) return new ShortcutCnnSampledEngine<TL, TVec, PhiloxLanes512, Vector512<ulong>>(s.Gd, s.Samples, s.Mode, s.Seed);
        if (typeof(TVec) == typeof(Vector256<double>)) return new ShortcutCnnSampledEngine<TL, TVec, PhiloxLanes256, Vector256<ulong>>(s.Gd, s.Samples, s.Mode, s.Seed);
        if (typeof(TVec) == typeof(Vector128<double>)) return new ShortcutCnnSampledEngine<TL, TVec, PhiloxLanes128, Vector128<ulong>>(s.Gd, s.Samples, s.Mode, s.Seed);
        if (typeof(TVec) == typeof(double)) return new ShortcutCnnSampledEngine<TL, TVec, PhiloxLanes1, ulong>(s.Gd, s.Samples, s.Mode, s.Seed);
        throw new NotSupportedException($"no 64-bit integer lanes for {typeof(TVec).Name}");
    }

    private readonly struct RunJob(ShortcutCnnSampledSettings settings, IShortcutCnnSampledFeed feed) : ISimdJob<double, long>
    {
        public long Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => At<TLanes, TVec>(settings).Run(feed);
    }

    private readonly ref struct EvaluateJob(ShortcutCnnSampledSettings settings, uint draw, ReadOnlySpan<ulong> trials,
        ReadOnlySpan<double> u, ReadOnlySpan<double> vStar, ReadOnlySpan<double> a, ReadOnlySpan<double> aStar,
        ReadOnlySpan<int> sampleCounts, Span<double> loss, Span<double> gradW, Span<double> gradA) : ISimdJob<double>
    {
        private readonly ReadOnlySpan<ulong> _trials = trials;
        private readonly ReadOnlySpan<double> _u = u, _vStar = vStar, _a = a, _aStar = aStar;
        private readonly ReadOnlySpan<int> _counts = sampleCounts;
        private readonly Span<double> _loss = loss, _gradW = gradW, _gradA = gradA;

        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => At<TLanes, TVec>(settings).Evaluate(_trials, draw, _u, _vStar, _a, _aStar, _counts, _loss, _gradW, _gradA);
    }
}

/// <summary>The sampled engine at some width, behind one interface so the dispatch names the width once.</summary>
internal interface IShortcutCnnSampledEngine
{
    long Run(IShortcutCnnSampledFeed feed);

    void Evaluate(ReadOnlySpan<ulong> trials, uint draw, ReadOnlySpan<double> u, ReadOnlySpan<double> vStar,
                  ReadOnlySpan<double> a, ReadOnlySpan<double> aStar, ReadOnlySpan<int> sampleCounts,
                  Span<double> loss, Span<double> gradW, Span<double> gradA);
}
