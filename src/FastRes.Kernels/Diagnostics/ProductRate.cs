using System.Diagnostics;
using FastRes.Kernels.Simd;
using FastRes.Kernels.Spectrum;

namespace FastRes.Kernels.Diagnostics;

/// <summary>
/// The rate of FastRes's own matrix–matrix product kernel (the one the two-stage eigenvalue reduction runs on,
/// <c>BlockKernels</c>): C += A·B for n×n row-major matrices, split over row blocks on a team of threads as the
/// reduction splits its products. <c>fastres bench eig</c> quotes eigenvalue GFLOP/s as a fraction of it.
/// </summary>
public static class ProductRate
{
    /// <summary>GFLOP/s (2n³ per product) of the best of <paramref name="repeats"/> timed products after one warm-up.</summary>
    public static double Measure(int n, int threads, int repeats = 3, SimdWidth width = SimdWidth.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        int ld = (n + BlockKernels.MaxTileColumns + 7) & ~7;
        var a = new double[(long)n * ld];
        var b = new double[(long)n * ld];
        var c = new double[(long)n * ld];
        var rng = new System.Random(1);
        for (int i = 0; i < a.Length; i++) { a[i] = rng.NextDouble(); b[i] = rng.NextDouble(); }
        using var team = new WorkerTeam(Math.Max(1, threads));
        var job = new Job(a, b, c, n, ld, team);
        SimdDispatch.Run<Job, double>(width, ref job);
        double best = double.MaxValue;
        for (int r = 0; r < Math.Max(1, repeats); r++)
        {
            var clock = Stopwatch.StartNew();
            SimdDispatch.Run<Job, double>(width, ref job);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * (double)n * n / best / 1e9;
    }

    private readonly struct Job(double[] a, double[] b, double[] c, int n, int ld, WorkerTeam team) : ISimdJob<double>
    {
        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => team.Run(new Blocks<TLanes, TVec>(a, b, c, n, ld), (n + BlockKernels.RowBlock - 1) / BlockKernels.RowBlock);
    }

    private sealed class Blocks<TL, TVec>(double[] a, double[] b, double[] c, int n, int ld) : ITeamWork
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        public void Execute(int item, int worker)
        {
            int r0 = item * BlockKernels.RowBlock, r1 = Math.Min(n, r0 + BlockKernels.RowBlock);
            BlockKernels.Product<TL, TVec>(1, ref a[0], ld, 1, ref b[0], ld, n, ref c[0], ld, n, r0, r1);
        }
    }
}
