using System.Numerics;
using CommunityToolkit.HighPerformance;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Eigenvalues of a real symmetric matrix (SPEC §2.4): reduction to tridiagonal form followed by the
/// Pal–Walker–Kahan implicit QL/QR iteration (<see cref="TridiagonalEigenvalues"/>, after LAPACK DSTERF), without
/// eigenvectors. From order <see cref="TwoStageCrossover"/> on the reduction is two-stage — dense → band by blocked
/// Householder with matrix–matrix products only (<see cref="BandReducer{TL,TVec}"/>, after DSYTRD_SY2SB), then
/// band → tridiagonal by bulge chasing (<see cref="BandTridiagonalizer"/>, after DSYTRD_SB2ST) — as LAPACK's
/// DSYEVD_2STAGE, ELPA2 and PLASMA do; below it, one-stage blocked Householder (<see cref="TridiagonalReducer{TL,TVec}"/>,
/// after DSYTRD/DLATRD), whose matrix–vector half still runs from cache there. Widest accelerated vector width,
/// chosen at run time; multithreaded; the result does not depend on the thread count.
/// </summary>
/// <remarks>
/// <para>Accuracy is that of LAPACK's DSYEV: backward stable, each eigenvalue within a modest multiple of
/// n·ε·‖A‖₂ of the exact one (tiny eigenvalues of a graded matrix carry absolute, not relative, accuracy). The two
/// paths round differently, so their results differ in the last bits; each is bit-identical for every thread count.</para>
/// <para>Cancellation: the token is polled on the calling thread with no parallel region running — before every
/// Householder step of the one-stage reduction (each one pass over the active triangle, O(n²)), before every panel
/// of b columns of the two-stage one, between sweep groups of the bulge chase, and every 32 QL sweeps — never inside
/// a vector loop, so an order-6,400 problem stops within a fraction of a second and the polling costs nothing
/// measurable. A cancelled call leaves the workspace reusable.</para>
/// </remarks>
public static class SymmetricEigen
{
    /// <summary>Below this order the whole reduction is unblocked (LAPACK's crossover point NX for DSYTRD).</summary>
    internal const int DefaultCrossover = 128;

    /// <summary>
    /// Eigenvalues, ascending, of the symmetric n×n matrix <paramref name="a"/> (row-major). Only the lower
    /// triangle (a[i·n + j], j ≤ i) is read; the upper triangle is assumed to mirror it and is ignored.
    /// Allocates a workspace of about 8·n² bytes; use the overload taking a <see cref="SymmetricEigenWorkspace"/>
    /// to reuse one.
    /// </summary>
    /// <param name="threads">Worker threads; 0 or less means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="cancellationToken">Polled between Householder steps and QL sweeps (see the type remarks).</param>
    /// <exception cref="ArgumentException">Lengths do not match n, or the matrix has a NaN or infinite entry.</exception>
    /// <exception cref="ArithmeticException">The QL iteration did not converge (not expected for finite input).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; <paramref name="eigenvalues"/> is then untouched.</exception>
    public static void Eigenvalues(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        using var workspace = new SymmetricEigenWorkspace(n);
        Eigenvalues(a, n, eigenvalues, workspace, threads, cancellationToken);
    }

    /// <summary>As <see cref="Eigenvalues(ReadOnlySpan{double}, int, Span{double}, int)"/>, in a caller-owned workspace (no allocation once its threads exist).</summary>
    /// <exception cref="ArgumentException">Lengths do not match n, n exceeds the workspace capacity, or the matrix has a NaN or infinite entry.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; <paramref name="eigenvalues"/> is then untouched.</exception>
    public static void Eigenvalues(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, SymmetricEigenWorkspace workspace, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        if (n >= TwoStageCrossover)
            EigenvaluesTwoStage(a, n, eigenvalues, workspace, threads, SimdWidth.Auto, BandFor(n), cancellationToken);
        else
            Eigenvalues(a, n, eigenvalues, workspace, threads, SimdWidth.Auto, SymmetricEigenWorkspace.DefaultBlockSize, DefaultCrossover,
                cancellationToken);
    }

    /// <summary>
    /// As <see cref="Eigenvalues(ReadOnlySpan{double}, int, Span{double}, SymmetricEigenWorkspace, int, CancellationToken)"/> with
    /// the one-stage reduction at every order (the path below <see cref="TwoStageCrossover"/>): for benchmarks that
    /// compare the two, and as a second opinion.
    /// </summary>
    public static void EigenvaluesOneStage(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, SymmetricEigenWorkspace workspace,
        int threads = 0, CancellationToken cancellationToken = default)
        => Eigenvalues(a, n, eigenvalues, workspace, threads, SimdWidth.Auto, SymmetricEigenWorkspace.DefaultBlockSize, DefaultCrossover,
            cancellationToken);

    /// <summary>As <see cref="EigenvaluesOneStage(ReadOnlySpan{double}, int, Span{double}, SymmetricEigenWorkspace, int, CancellationToken)"/> in a workspace of its own.</summary>
    public static void EigenvaluesOneStage(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, int threads = 0,
        CancellationToken cancellationToken = default)
    {
        using var workspace = new SymmetricEigenWorkspace(n);
        EigenvaluesOneStage(a, n, eigenvalues, workspace, threads, cancellationToken);
    }

    /// <summary>
    /// From this order on the two-stage path is the faster: measured on the 2-core Zen 5 machine, the two paths take
    /// the same time at n ≈ 600 on 2 threads and n ≈ 700 on 1 (at n = 1,000 two-stage is 0.78× one-stage on 2
    /// threads, 0.86× on 1). Below it the one-stage reduction's matrix–vector products still run from cache.
    /// </summary>
    internal const int TwoStageCrossover = 700;

    /// <summary>
    /// The half-bandwidth of the two-stage path for order n. Measured (2 threads): b = 32 is 10–15% faster than 48
    /// or 64 up to n = 2,000 (stage 2 costs ∝ b while stage 1's products are already efficient at depth 2b = 64);
    /// from n ≈ 3,000 on, b = 64 is ~4–5% faster (stage 1 dominates and gains from the deeper products). LAPACK's
    /// ILAENV2STAGE picks 64 on 2–4 threads.
    /// </summary>
    internal static int BandFor(int n) => n < 3000 ? 32 : 64;

    /// <summary>
    /// The two-stage path with the band width and vector width forced (tests, benchmarks): dense → band
    /// (<see cref="BandReducer{TL,TVec}"/>), band → tridiagonal (<see cref="BandTridiagonalizer"/>), then the QL iteration.
    /// </summary>
    internal static void EigenvaluesTwoStage(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, SymmetricEigenWorkspace workspace,
        int threads, SimdWidth width, int band, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (eigenvalues.Length < n)
            throw new ArgumentException($"eigenvalues has length {eigenvalues.Length}; it needs n = {n}.", nameof(eigenvalues));
        double scale = ReduceToBand(a, n, band, workspace, threads, width, cancellationToken);
        if (n == 0) return;
        Span<double> d = workspace.Diagonal.AsSpan(0, n), e = workspace.OffDiagonal.AsSpan(0, n);
        BandTridiagonalizer.Reduce(workspace.Matrix, SymmetricEigenWorkspace.Stride(n), n, band, d, e, workspace.ChaseBuffers(band),
            TeamFor(workspace, n, threads), width, BandTridiagonalizer.DefaultGroup, cancellationToken);
        Finish(d, e, n, scale, eigenvalues, cancellationToken);
    }

    /// <summary>
    /// Nominal floating-point operations of an eigenvalues-only decomposition of order n: 4n³/3 for the
    /// tridiagonalization (Golub &amp; Van Loan §8.3.1; the O(n²) QL iteration is not counted). Divide by seconds for
    /// the conventional GFLOP/s figure of DSYEVD-style benchmarks (e.g. <c>fastres bench eig</c>).
    /// </summary>
    public static double NominalFlops(int n) => 4.0 / 3.0 * n * (double)n * n;

    /// <summary>The one-stage path with the vector width, panel width and crossover forced (tests, benchmarks).</summary>
    internal static void Eigenvalues(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, SymmetricEigenWorkspace workspace,
        int threads, SimdWidth width, int blockSize, int crossover, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (eigenvalues.Length < n)
            throw new ArgumentException($"eigenvalues has length {eigenvalues.Length}; it needs n = {n}.", nameof(eigenvalues));
        double scale = Tridiagonalize(a, n, workspace, threads, width, blockSize, crossover, cancellationToken);
        if (n == 0) return;
        Finish(workspace.Diagonal.AsSpan(0, n), workspace.OffDiagonal.AsSpan(0, n), n, scale, eigenvalues, cancellationToken);
    }

    /// <summary>The tridiagonal QL iteration on (d, e), unscaled into <paramref name="eigenvalues"/>.</summary>
    private static void Finish(Span<double> d, Span<double> e, int n, double scale, Span<double> eigenvalues, CancellationToken cancellationToken)
    {
        if (!TridiagonalEigenvalues.Compute(d, e, cancellationToken))
            throw new ArithmeticException($"The tridiagonal QL iteration did not converge within {30 * n} sweeps.");
        if (scale != 1)
            for (int i = 0; i < n; i++) d[i] /= scale;
        d.CopyTo(eigenvalues);
    }

    /// <summary>
    /// Copies the lower triangle into the workspace (scaled into a safe range as DSYEVD does), reduces it to
    /// tridiagonal form, and leaves the diagonal in <c>workspace.Diagonal</c> and the off-diagonal in
    /// <c>workspace.OffDiagonal</c>, both for the scaled matrix.
    /// </summary>
    /// <returns>The scale factor applied to the matrix (1 almost always).</returns>
    internal static double Tridiagonalize(ReadOnlySpan<double> a, int n, SymmetricEigenWorkspace workspace,
        int threads, SimdWidth width, int blockSize, int crossover, CancellationToken cancellationToken = default)
    {
        double scale = CopyScaled(a, n, workspace, mirror: false);
        if (n == 0) return 1;
        WorkerTeam team = TeamFor(workspace, n, threads);
        var job = new ReduceJob(workspace, n, SymmetricEigenWorkspace.Stride(n), blockSize, crossover, team, cancellationToken);
        SimdDispatch.Run<ReduceJob, double>(width, ref job);
        return scale;
    }

    /// <summary>
    /// Stage 1 of the two-stage path: copies the matrix (scaled as <see cref="Tridiagonalize"/> does, both triangles
    /// from the lower one) and reduces it to half-bandwidth <paramref name="band"/> (<see cref="BandReducer{TL,TVec}"/>):
    /// afterwards <c>workspace.Matrix[i·lda + j]</c>, max(0, i − band) ≤ j ≤ i, lda = <see cref="SymmetricEigenWorkspace.Stride"/>(n),
    /// is the lower band of a matrix orthogonally similar to the scaled A.
    /// </summary>
    /// <returns>The scale factor applied to the matrix.</returns>
    internal static double ReduceToBand(ReadOnlySpan<double> a, int n, int band, SymmetricEigenWorkspace workspace,
        int threads, SimdWidth width, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(band, 1);
        double scale = CopyScaled(a, n, workspace, mirror: true);
        if (n == 0) return 1;
        var job = new BandJob(workspace, n, SymmetricEigenWorkspace.Stride(n), band, TeamFor(workspace, n, threads), cancellationToken);
        SimdDispatch.Run<BandJob, double>(width, ref job);
        return scale;
    }

    // Below 256 rows no product is split into chunks and no update is parallel: keep the workspace's team as it is.
    private static WorkerTeam TeamFor(SymmetricEigenWorkspace workspace, int n, int threads)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        return threads > 1 && n >= 256 ? workspace.Team(threads) : WorkerTeam.Single;
    }

    /// <summary>
    /// Copies the lower triangle into the workspace (and, with <paramref name="mirror"/>, into the upper triangle
    /// too), scaled into a safe range as DSYEVD does.
    /// </summary>
    /// <returns>The scale factor applied to the matrix (1 almost always).</returns>
    private static double CopyScaled(ReadOnlySpan<double> a, int n, SymmetricEigenWorkspace workspace, bool mirror)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if ((long)n * n != a.Length)
            throw new ArgumentException($"a has length {a.Length}; an {n}×{n} matrix needs {(long)n * n}.", nameof(a));
        if (n > workspace.Capacity)
            throw new ArgumentException($"n = {n} exceeds the workspace capacity {workspace.Capacity}.", nameof(n));
        if (n == 0) return 1;

        int lda = SymmetricEigenWorkspace.Stride(n);
        ReadOnlySpan2D<double> source = a.AsSpan2D(n, n);
        Span2D<double> m = new(workspace.Matrix, 0, n, n, lda - n); // the working copy, rows lda apart
        double amax = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = source.GetRowSpan(i)[..(i + 1)];
            row.CopyTo(m.GetRowSpan(i));
            foreach (double x in row)
            {
                double ax = Math.Abs(x);
                if (!(ax <= double.MaxValue))
                    throw new ArgumentException($"The matrix has a non-finite entry in row {i}.", nameof(a));
                if (ax > amax) amax = ax;
            }
        }

        // DSYEVD's scaling: keep ‖A‖max within [√(safmin/ε), √(1/(safmin/ε))] so that squares in the norms
        // neither overflow nor vanish into subnormals.
        const double smallNumber = 2.2250738585072014e-308 / 1.1102230246251565e-16;
        double rmin = Math.Sqrt(smallNumber), rmax = Math.Sqrt(1 / smallNumber);
        double scale = 1;
        if (amax > 0 && amax < rmin) scale = rmin / amax;
        else if (amax > rmax) scale = rmax / amax;
        if (scale != 1)
            for (int i = 0; i < n; i++)
                foreach (ref double x in m.GetRowSpan(i)[..(i + 1)]) x *= scale;

        if (mirror)
        {
            // Upper from lower in square tiles, so that both the rows read and the rows written stay in cache.
            const int tile = 32;
            for (int i0 = 0; i0 < n; i0 += tile)
                for (int j0 = 0; j0 <= i0; j0 += tile)
                {
                    int i1 = Math.Min(n, i0 + tile), j1 = Math.Min(n, j0 + tile);
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < Math.Min(j1, i); j++)
                            m[j, i] = m[i, j];
                }
        }
        return scale;
    }

    private readonly struct BandJob(SymmetricEigenWorkspace workspace, int n, int lda, int band, WorkerTeam team,
        CancellationToken cancellationToken) : ISimdJob<double>
    {
        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => workspace.Reducer(4 + BitOperations.Log2((uint)TLanes.Count), static ws => new BandReducer<TLanes, TVec>(ws))
                .Reduce(n, lda, band, team, cancellationToken);
    }

    private readonly struct ReduceJob(SymmetricEigenWorkspace workspace, int n, int lda, int blockSize, int crossover, WorkerTeam team,
        CancellationToken cancellationToken) : ISimdJob<double>
    {
        // One reducer per width and workspace (slot log2 of the lane count), kept so that repeated spectra allocate nothing.
        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => workspace.Reducer(BitOperations.Log2((uint)TLanes.Count), static ws => new TridiagonalReducer<TLanes, TVec>(ws))
                .Reduce(n, lda, blockSize, crossover, team, cancellationToken);
    }
}
