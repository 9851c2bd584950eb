using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Profiling;

/// <summary>`fastres bench eig` and `fastres bench hessian`: the kernels of SPEC §2.3–2.4, with their in-process peer.</summary>
public static partial class KernelProfiler
{
    public const string EigenKernel = "eig";
    public const string HessianKernel = "hessian";
    public const string EigenUnit = "GFLOP/s (4n³/3)";
    public const string HessianUnit = "Hessians/s";

    /// <summary>The flop count quoted for symmetric eigenvalues: 4n³/3, the Householder tridiagonalization that
    /// dominates (the tridiagonal QL is O(n²)) — the usual convention for dsytrd-based eigenvalue solvers.</summary>
    public static double EigenFlops(int n) => 4.0 / 3.0 * n * (double)n * n;

    /// <summary>
    /// Eigenvalues of a random symmetric n×n matrix for each n: FastRes's <see cref="SymmetricEigen"/> and, where
    /// liblapacke is installed, LAPACK dsyevd (OpenBLAS, given the same threads) on the same matrix, timed one after
    /// the other in this process. Each is warmed up on a small matrix first; each n is timed once (n ≥ 1000 takes
    /// seconds, so one run is far above timer noise) — the best of 3 below that.
    /// </summary>
    public static IReadOnlyList<BenchResult> Eigenvalues(IReadOnlyList<int> sizes, int threads)
    {
        int t = ResolveThreads(threads);
        string width = SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto));
        bool lapack = LapackEigen.IsAvailable;
        if (lapack) LapackEigen.TrySetThreads(t);
        var warm = RandomSymmetric(64, 7);
        var w = new double[64];
        SymmetricEigen.Eigenvalues(warm, 64, w, t);
        if (lapack) LapackEigen.Eigenvalues(warm, 64, w);

        var results = new List<BenchResult>();
        foreach (int n in sizes)
        {
            var a = RandomSymmetric(n, (ulong)n);
            var eig = new double[n];
            int reps = n >= 1000 ? 1 : 3;
            double ours = Best(reps, () => SymmetricEigen.Eigenvalues(a, n, eig, t));
            results.Add(new BenchResult(EigenKernel, $"{width}/double/{t}t", $"n={n}", ours, EigenFlops(n) / ours / 1e9, EigenUnit));
            if (lapack)
            {
                double theirs = Best(reps, () => LapackEigen.Eigenvalues(a, n, eig));
                results.Add(new BenchResult(EigenKernel, $"LAPACK-dsyevd/double/{t}t", $"n={n}", theirs, EigenFlops(n) / theirs / 1e9, EigenUnit));
            }
        }
        return results;
    }

    /// <summary>
    /// The exact Hessian of SPEC §5's target: a depth-<paramref name="depth"/> 2-shortcut network, d = 10, on
    /// <paramref name="samples"/> synthetic whitened samples, at a small random point (xavier × 0.01): the linear network
    /// (Σ path, nothing per sample) and tanh at the mid position (per-sample path).
    /// </summary>
    public static IReadOnlyList<BenchResult> Hessian(int threads, int samples = 10_000, int depth = 16)
    {
        int t = ResolveThreads(threads);
        const int d = 10, n = 2;
        var data = SyntheticData.Create(samples, d, d, seed: 1);
        var results = new List<BenchResult>();
        foreach (var (name, mid) in new[] { ("linear", Activation.Identity), ("tanh-mid", Activation.Tanh) })
        {
            var net = new NShortcutNetwork(d, depth / n, n, shortcut: true, mid: mid);
            var theta = new double[net.ParameterCount];
            NetworkInitializer.Fill(net, NetworkInit.Small, 1, 0, theta);
            var h = new double[(long)net.ParameterCount * net.ParameterCount];
            // Warm-up on a small sample count, so JIT time is not measured.
            ExactHessian.Compute(net, theta, data.X.AsSpan(0, 16 * d), data.Y.AsSpan(0, 16 * d), 16, h, t);
            int reps = mid == Activation.Identity ? 5 : 1;
            double seconds = Best(reps, () => ExactHessian.Compute(net, theta, data.X, data.Y, samples, h, t));
            results.Add(new BenchResult(HessianKernel, $"{name}/double/{t}t", $"depth={depth},n={n},d={d},m={samples}", seconds, 1 / seconds, HessianUnit));
        }
        return results;
    }

    private static double Best(int reps, Action action)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i < reps; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>A deterministic random symmetric matrix with N(0, 1) entries (row-major, both triangles).</summary>
    internal static double[] RandomSymmetric(int n, ulong seed)
    {
        var a = new double[(long)n * n];
        var rng = new Kernels.Random.PhiloxStream(seed, 0, 77);
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                a[(long)i * n + j] = a[(long)j * n + i] = rng.NextNormal();
        return a;
    }

    /// <summary>Fraction of the double peak (same threads) for an eig row, from its "path/double/Nt" variant.</summary>
    internal static double? EigenFractionOfPeak(BenchResult result, IReadOnlyList<BenchResult> peaks)
    {
        var parts = result.Variant.Split('/');
        if (parts.Length != 3 || !parts[2].EndsWith('t')
            || !int.TryParse(parts[2][..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int threads)) return null;
        double? peak = null;
        foreach (var candidate in peaks)
        {
            if (candidate.Kernel != PeakKernel || !BenchVariant.TryParse(candidate.Variant, out var pv)) continue;
            if (pv.Precision != Precision.Double || pv.Threads != threads) continue;
            peak = Math.Max(peak ?? 0, candidate.Rate * 1e9);
        }
        return peak is > 0 ? result.Rate * 1e9 / peak.Value : null;
    }
}
