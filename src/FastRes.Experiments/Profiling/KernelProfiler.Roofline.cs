using FastRes.Experiments.ShortcutCnn;

namespace FastRes.Experiments.Profiling;

public static partial class KernelProfiler
{
    /// <summary>
    /// Flops of one trial-iteration (one GD step of one trial) of the population update of SPEC §1.1–1.2, counted
    /// from the formulas as a lean kernel evaluates them. An FMA counts 2, an add or multiply 1, and each sqrt,
    /// division and acos counts 1 (the LINPACK convention: "useful" flops, not the instructions a polynomial acos
    /// or a Newton-refined reciprocal spends), so the fraction of peak it gives is a conservative figure for a
    /// kernel that is bound by sqrt, division and acos latency (SPEC §5).
    /// </summary>
    /// <remarks>
    /// resnet, per iteration, with u = e + w, r = 1/‖u‖ and the per-trial constants 𝟏ᵀa*, ‖a*‖ precomputed:
    /// <code>
    ///  u = e + w                    p      d = v* − cos φ · v            2p  (v = r·u: p more)
    ///  ‖u‖², r = 1/√               2p + 2  w̃ = w − η·coef·d             2p
    ///  uᵀv*, cos φ = r·uᵀv*        2p + 1  u' = e + w̃                    p
    ///  φ = acos(cos φ)                  1  ‖u'‖², r' = 1/√               2p + 2
    ///  sin φ = √(1 − cos²φ)             3  w = r'·u' − e                 2p
    ///  g = sin φ + (π − φ) cos φ        3  coef = −(aᵀa*)(π − φ)·r/π      3
    ///  𝟏ᵀa, aᵀa*                       3k  t = 𝟏ᵀa − 𝟏ᵀa*, g − 1         2
    ///  a_j −= (η/π)[(π−1)a_j + t − (g−1)a*_j]                             6k
    /// </code>
    /// Total 15p + 9k + 17 (281 at p = 8, k = 16). resnet-ssw does the same work per iteration (its Stage I step
    /// sizes are per-trial constants); cnn has no shortcut e: u = w, u' = w̃ and w = r'·u', 3p fewer.
    /// The per-iteration outcome and retirement checks are bookkeeping and are not counted.
    /// </remarks>
    public static double FlopsPerTrialIteration(ShortcutCnnMethod method, int p, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        double resnet = 15.0 * p + 9.0 * k + 17;
        return method == ShortcutCnnMethod.Cnn ? resnet - 3.0 * p : resnet;
    }

    /// <summary>
    /// The fraction of machine peak a result reaches: for a Monte Carlo row (method resnet, its p and k), its
    /// trial-iterations/s × <see cref="FlopsPerTrialIteration"/> over the measured peak of the same precision on
    /// the same number of threads (the widest width's peak: what the machine could do, not what the path could).
    /// A peak row is its own fraction of the best peak of that precision and thread count. Null when
    /// <paramref name="peaks"/> has no matching figure or the row is not one the profiler understands.
    /// </summary>
    public static double? FractionOfPeak(BenchResult result, IReadOnlyList<BenchResult> peaks)
    {
        if (result.Kernel is EigenKernel or GemmKernel) return EigenFractionOfPeak(result, peaks);
        if (!BenchVariant.TryParse(result.Variant, out var variant)) return null;
        double? peak = null;
        foreach (var candidate in peaks)
        {
            if (candidate.Kernel != PeakKernel || !BenchVariant.TryParse(candidate.Variant, out var pv)) continue;
            if (pv.Precision != variant.Precision || pv.Threads != variant.Threads) continue;
            peak = Math.Max(peak ?? 0, candidate.Rate * 1e9);
        }
        if (peak is not > 0) return null;
        switch (result.Kernel)
        {
            case PeakKernel:
                return result.Rate * 1e9 / peak.Value;
            case MonteCarloKernel when TryParseMonteCarloSize(result.Size, out int p, out int k):
                return result.Rate * FlopsPerTrialIteration(ShortcutCnnMethod.Resnet, p, k) / peak.Value;
            case TrainKernel when TrainFlops(result.Size) is { } flops:
                return result.Rate * flops / peak.Value;
            default:
                return null;
        }
    }

    internal static bool TryParseMonteCarloSize(string size, out int p, out int k)
    {
        p = k = 0;
        var parts = size.Split(',');
        return parts.Length == 2
            && parts[0].StartsWith("p=", StringComparison.Ordinal) && int.TryParse(parts[0][2..], out p)
            && parts[1].StartsWith("k=", StringComparison.Ordinal) && int.TryParse(parts[1][2..], out k)
            && p > 0 && k > 0;
    }
}
