using System.Diagnostics;
using FastRes.Kernels.Diagnostics;
using FastRes.Kernels.Simd;

namespace FastRes.Experiments.Profiling;

/// <summary>
/// `fastres bench fleet profile`: what one Slurm job measures on its node (issue 14 item 4) — the FMA peak, the Monte
/// Carlo step, eigenvalues, the exact Hessian and the memory bandwidth, each in a short variant, ≈ 15 s in all, so
/// that a whole partition is profiled in minutes and its nodes compared with each other (<see cref="FleetReport"/>).
/// </summary>
public static partial class KernelProfiler
{
    public const string TriadKernel = "triad";
    public const string TriadUnit = "GB/s";

    /// <summary>Doubles per triad array: 8 Mi = 64 MiB each, 192 MiB for the three, far beyond any node's last-level cache
    /// (the largest, AMD's 3D V-Cache parts, have 96 MiB per CCD), so the figure is memory's, not a cache's.</summary>
    public const int TriadLength = 8 << 20;

    /// <summary>Seconds of timed triad sweeps (after one untimed sweep).</summary>
    public const double TriadSeconds = 1.5;

    /// <summary>The eigenvalue size of the fleet profile: large enough to leave the caches, ≈ 0.2 s per solve on 2 cores.</summary>
    public const int FleetEigenN = 1500;

    /// <summary>The samples of the fleet profile's exact Hessians (the bench default is 10,000).</summary>
    public const int FleetHessianSamples = 4000;

    /// <summary>Seconds each fleet peak figure is measured for.</summary>
    public const double FleetPeakSeconds = 0.2;

    /// <summary>
    /// The fleet profile on <paramref name="threads"/> threads (0 = all cores): peak (double and float, 1 and N threads),
    /// the Monte Carlo step at p = 8, k = 16 per SIMD path and precision (`bench mc`'s sizing), the default
    /// eigenvalue path at n = <see cref="FleetEigenN"/> (and LAPACK dsyevd where installed), the exact Hessian
    /// (linear, tanh-mid) on <see cref="FleetHessianSamples"/> samples, and the STREAM triad (<see cref="Triad"/>).
    /// </summary>
    public static IReadOnlyList<BenchResult> FleetProfile(int threads)
        => [.. Peak(threads, FleetPeakSeconds), .. MonteCarlo([16], threads),
            .. Eigenvalues([FleetEigenN], threads, repeats: 3, sideBySide: false), .. Hessian(threads, FleetHessianSamples), .. Triad(threads)];

    /// <summary>
    /// Sustained memory bandwidth by the STREAM triad (<see cref="StreamTriad"/>) on <paramref name="threads"/> threads
    /// (0 = all cores), each thread sweeping its own contiguous slice of three <paramref name="length"/>-double arrays,
    /// all threads starting each sweep together; rate = <see cref="StreamTriad.BytesPerElement"/> × length / the best
    /// sweep's seconds, in GB/s (10⁹ bytes; write-allocate traffic not counted, as in stream.c).
    /// </summary>
    /// <remarks>
    /// Each thread first writes its own slices (first touch), so that on a NUMA node the pages are local to the core
    /// that sweeps them, as STREAM's OpenMP initialisation arranges. The best sweep, as STREAM reports, because a
    /// sweep can only be slowed by the rest of the machine, never sped up.
    /// </remarks>
    public static IReadOnlyList<BenchResult> Triad(int threads, double seconds = TriadSeconds, int length = TriadLength)
    {
        int n = ResolveThreads(threads);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, n);
        var a = GC.AllocateUninitializedArray<double>(length);
        var b = GC.AllocateUninitializedArray<double>(length);
        var c = GC.AllocateUninitializedArray<double>(length);
        const double s = 3.0;
        using var go = new Barrier(n + 1);
        bool stop = false;
        var workers = new Thread[n];
        for (int t = 0; t < n; t++)
        {
            int lo = (int)((long)length * t / n), hi = (int)((long)length * (t + 1) / n);
            workers[t] = new Thread(() =>
            {
                a.AsSpan(lo, hi - lo).Clear();
                b.AsSpan(lo, hi - lo).Fill(1.0);
                c.AsSpan(lo, hi - lo).Fill(2.0);
                go.SignalAndWait();
                while (true)
                {
                    go.SignalAndWait(); // sweep starts
                    if (Volatile.Read(ref stop)) return;
                    StreamTriad.Run(a.AsSpan(lo, hi - lo), b.AsSpan(lo, hi - lo), c.AsSpan(lo, hi - lo), s);
                    go.SignalAndWait(); // sweep done
                }
            }) { IsBackground = true, Name = $"stream-triad-{t}" };
            workers[t].Start();
        }
        go.SignalAndWait(); // every slice touched
        double best = double.PositiveInfinity;
        var total = Stopwatch.StartNew();
        for (int sweep = 0; sweep == 0 || sweep <= 5 || total.Elapsed.TotalSeconds < seconds; sweep++)
        {
            var watch = Stopwatch.StartNew();
            go.SignalAndWait();
            go.SignalAndWait();
            if (sweep > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds); // sweep 0 is the warm-up
        }
        Volatile.Write(ref stop, true);
        go.SignalAndWait();
        foreach (var w in workers) w.Join();
        if (a[0] != 1.0 + s * 2.0 || a[length - 1] != 1.0 + s * 2.0)
            throw new InvalidOperationException($"the triad computed {a[0]}, not {1.0 + s * 2.0}");
        string width = SimdWidths.Describe(SimdWidths.Resolve(SimdWidth.Auto));
        double bytes = (double)StreamTriad.BytesPerElement * length;
        return [new BenchResult(TriadKernel, $"{width}/double/{n}t", $"n={length} (3×{length * 8L >> 20} MiB)", best, bytes / best / 1e9, TriadUnit)];
    }
}
