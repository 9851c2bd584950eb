using System.Diagnostics;
using System.Globalization;
using FastRes.Experiments.Data;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Experiments.Profiling;

/// <summary>`fastres bench eig` and `fastres bench hessian`: the kernels of SPEC §2.3–2.4, with their in-process peer.</summary>
public static partial class KernelProfiler
{
    public const string EigenKernel = "eig";
    public const string HessianKernel = "hessian";
    public const string GemmKernel = "gemm";
    public const string EigenUnit = "GFLOP/s (4n³/3)";
    public const string HessianUnit = "Hessians/s";

    /// <summary>The flop count quoted for symmetric eigenvalues: 4n³/3, the Householder tridiagonalization that
    /// dominates (the tridiagonal QL is O(n²)) — the usual convention for dsytrd-based eigenvalue solvers.</summary>
    public static double EigenFlops(int n) => 4.0 / 3.0 * n * (double)n * n;

    /// <summary>
    /// Eigenvalues of a random symmetric n×n matrix for each n, side by side in this process on the same matrix:
    /// FastRes's <see cref="SymmetricEigen"/> (its default path: two-stage from n = 700, one-stage below), its
    /// one-stage path forced, and, where liblapacke is installed, LAPACK DSYEVD and DSYEVD_2STAGE (OpenBLAS, given the
    /// same threads); and the rate of FastRes's product kernel at n = 2,000 (<see cref="ProductRate"/>), the ceiling the
    /// two-stage reduction runs against. Each is warmed up on a small matrix first; each n is timed as the best of
    /// <paramref name="repeats"/> (default: 3 below n = 4,000, 2 from there). Without <paramref name="sideBySide"/>
    /// only the default path and DSYEVD are timed (the CI smoke check's ratio).
    /// </summary>
    public static IReadOnlyList<BenchResult> Eigenvalues(IReadOnlyList<int> sizes, int threads, int repeats = 0, bool sideBySide = true)
    {
        int t = ResolveThreads(threads);
        string width = SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto));
        bool lapack = LapackEigen.IsAvailable, lapack2 = sideBySide && LapackEigen.IsTwoStageAvailable;
        if (lapack) LapackEigen.TrySetThreads(t);
        var warm = RandomSymmetric(800, 7);
        var w = new double[800];
        SymmetricEigen.Eigenvalues(warm, 800, w, t);
        SymmetricEigen.EigenvaluesOneStage(warm, 800, w, t);

        var results = new List<BenchResult>();
        double gemm = sideBySide ? ProductRate.Measure(2000, t) : 0;
        if (sideBySide) results.Add(new BenchResult(GemmKernel, $"{width}/double/{t}t", "n=2000", 2.0 * 2000 * 2000 * 2000 / (gemm * 1e9), gemm, "GFLOP/s (2n³)"));
        int Repeats(int n) => repeats > 0 ? repeats : n >= 4000 ? 2 : 3;
        void Add(int n, string variant, Action solve)
        {
            double seconds = Best(Repeats(n), solve);
            results.Add(new BenchResult(EigenKernel, variant, $"n={n}", seconds, EigenFlops(n) / seconds / 1e9, EigenUnit));
        }

        // FastRes at every size first, then LAPACK: OpenBLAS's idle worker threads keep polling (sched_yield) for a
        // while after each call, so a FastRes run right after a LAPACK call could lose part of a core to them. Same
        // matrices (seeded by n) in both passes.
        foreach (int n in sizes)
        {
            var a = RandomSymmetric(n, (ulong)n);
            var eig = new double[n];
            using var ws = new SymmetricEigenWorkspace(n);
            Add(n, $"{width}/double/{t}t", () => SymmetricEigen.Eigenvalues(a, n, eig, ws, t));
            if (sideBySide) Add(n, $"{width}-1stage/double/{t}t", () => SymmetricEigen.EigenvaluesOneStage(a, n, eig, ws, t));
        }
        if (lapack)
        {
            LapackEigen.Eigenvalues(warm, 800, w);
            if (lapack2) LapackEigen.Eigenvalues(warm, 800, w, new double[800 * 800], twoStage: true);
            foreach (int n in sizes)
            {
                var a = RandomSymmetric(n, (ulong)n);
                var eig = new double[n];
                var scratch = new double[(long)n * n];
                Add(n, $"LAPACK-dsyevd/double/{t}t", () => LapackEigen.Eigenvalues(a, n, eig, scratch));
                if (lapack2) Add(n, $"LAPACK-dsyevd_2stage/double/{t}t", () => LapackEigen.Eigenvalues(a, n, eig, scratch, twoStage: true));
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
