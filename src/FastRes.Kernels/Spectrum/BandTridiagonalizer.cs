using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Stage 2 of the two-stage symmetric tridiagonalization: a symmetric band matrix of half-bandwidth b is reduced to
/// a tridiagonal matrix with the same eigenvalues by Householder bulge chasing — the algorithm of Reference-LAPACK's
/// DSYTRD_SB2ST with DSB2ST_KERNELS (Haidar, Ltaief &amp; Dongarra, "Parallel reduction to condensed forms for
/// symmetric eigenvalue problems using aggregated fine-grained and memory-aware kernels", SC'11; also in PLASMA and
/// ELPA2), our own implementation for eigenvalues only (no Q is accumulated).
/// </summary>
/// <remarks>
/// <para><b>Sweeps and tasks.</b> Sweep s (s = 0 … n−3) makes column s tridiagonal. Its blocks are
/// D_j = [s+1+jb, s+(j+1)b] ∩ [0, n). Task 0 (DSB2ST type 1) generates the reflector that maps A[D_0, s] to β·e₁
/// and applies it from both sides to the diagonal block A[D_0, D_0] (DLARFY). Task j ≥ 1 (types 2 and 3) applies the
/// previous reflector from the right to the block A[D_j, D_{j−1}] — which fills it, the bulge — then annihilates the
/// bulge's first column with a new reflector, applies that one from the left to the rest of the block and from both
/// sides to A[D_j, D_j]. The rest of the bulge is left for the next sweeps, which start one column later: during the
/// reduction the lower bandwidth grows to 2b − 1, hence the 2b + 1 wide storage (LAPACK's LDA = 2·KD + 1).
/// Cost ≈ 6n²b flops (12b² per task), in kernels of order b: symmetric product + rank-2 update, and two
/// reflector applications to a b×b block.</para>
/// <para><b>Storage.</b> Row-major, row i holding columns i − 2b … i contiguously: element (i, j) at
/// <c>i·ldm + j + 2b</c>, so that every block of the band is a dense row-major submatrix with row stride ldm (the
/// skewed-storage trick LAPACK plays with LDA − 1). Rows, not columns, are contiguous because every kernel streams
/// rows: the symmetric product and rank-2 update on the lower triangle row by row (<see cref="LowerTriangleKernels"/>,
/// shared with the one-stage reducer), the right application as one dot and one axpy per row, the left application as
/// two row-axpy passes; only the b-long column a reflector is generated from is strided, once per task.</para>
/// <para><b>Order and threads.</b> Sweep s task j overlaps sweep s − 1 only up to its task j + 1, so it may run once
/// that sweep has finished task j + 2 (one task of margin: <see cref="Lag"/>). Sweeps are taken in groups of G
/// consecutive ones; a worker runs its group as a wavefront (sweep k of the group Lag·k tasks behind sweep 0), so the
/// group's G working sets are neighbours in cache instead of a whole pass over the band per sweep, and the first sweep
/// of group g waits (spinning) on the published progress of the last sweep of group g − 1, run by the other thread —
/// DSYTRD_SB2ST's pipelined sweeps with its thread groups. Every task sees exactly the data it would see in the
/// sequential order (all of sweep s before sweep s + 1), so the result is bit-identical for every thread count and
/// every group size.</para>
/// </remarks>
internal static class BandTridiagonalizer
{
    /// <summary>Tasks a sweep stays behind the one before it (two are needed: see the remarks).</summary>
    internal const int Lag = 3;

    /// <summary>Largest sweep group.</summary>
    internal const int MaxGroup = 16;

    /// <summary>Sweeps per group by default (measured: see <c>BandTridiagonalizerBench</c>).</summary>
    internal const int DefaultGroup = 4;

    /// <summary>
    /// Reduces the lower band of a symmetric n×n matrix to tridiagonal form with the same eigenvalues.
    /// </summary>
    /// <param name="a">Row-major with row stride <paramref name="lda"/>: a[i·lda + j] for max(0, i−b) ≤ j ≤ i is
    /// read; nothing else is.</param>
    /// <param name="b">Half-bandwidth (0 is diagonal; values ≥ n − 1 are a full lower triangle).</param>
    /// <param name="d">Receives the diagonal, d[0..n).</param>
    /// <param name="e">Receives the off-diagonal, e[0..n−1).</param>
    /// <param name="threads">Worker threads; 0 or less means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="ct">Polled on the calling thread between sweep groups (never in a kernel); on cancellation the
    /// other thread finishes the group it holds, and the workspace stays reusable.</param>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; d and e are then unspecified.</exception>
    internal static void Reduce(ReadOnlySpan<double> a, int lda, int n, int b, Span<double> d, Span<double> e,
        BandWorkspace workspace, int threads, SimdWidth width, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (threads <= 0) threads = Environment.ProcessorCount;
        // Small bands are over before a second thread would have woken up.
        WorkerTeam team = threads > 1 && n >= 256 ? workspace.Team(threads) : WorkerTeam.Single;
        Reduce(a, lda, n, b, d, e, workspace, team, width, DefaultGroup, ct);
    }

    /// <summary>As <see cref="Reduce(ReadOnlySpan{double}, int, int, int, Span{double}, Span{double}, BandWorkspace, int, SimdWidth, CancellationToken)"/>
    /// on a given team (the caller's, when it has one) with the sweep group size forced (tests, benchmarks).</summary>
    internal static void Reduce(ReadOnlySpan<double> a, int lda, int n, int b, Span<double> d, Span<double> e,
        BandWorkspace workspace, WorkerTeam team, SimdWidth width, int group, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(team);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        if (n > workspace.Capacity)
            throw new ArgumentException($"n = {n} exceeds the workspace capacity {workspace.Capacity}.", nameof(n));
        int bandwidth = Math.Min(b, Math.Max(n - 1, 0));
        if (bandwidth > workspace.MaxBandwidth)
            throw new ArgumentException($"b = {bandwidth} exceeds the workspace's maximum bandwidth {workspace.MaxBandwidth}.", nameof(b));
        if (n > 0 && (lda < n || a.Length < (long)(n - 1) * lda + n))
            throw new ArgumentException($"a (length {a.Length}, stride {lda}) does not hold an {n}×{n} lower band.", nameof(a));
        if (d.Length < n || e.Length < n - 1)
            throw new ArgumentException($"d needs length {n} and e length {n - 1}.", nameof(d));
        ct.ThrowIfCancellationRequested();
        if (n == 0) return;

        // The copy: row i gets columns i − 2b … i, the band from a and zeros where the bulge will travel.
        int ldm = BandWorkspace.DenseStride(Math.Max(bandwidth, 1)), bulge = 2 * bandwidth;
        double[] band = workspace.Band;
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - bandwidth), zeroFrom = Math.Max(0, i - bulge);
            int rowStart = i * ldm + bulge;
            band.AsSpan(rowStart + zeroFrom, lo - zeroFrom).Clear();
            a.Slice(i * lda + lo, i - lo + 1).CopyTo(band.AsSpan(rowStart + lo));
        }

        if (bandwidth >= 2 && n >= 3)
        {
            var job = new ChaseJob(workspace, n, bandwidth, ldm, Math.Clamp(group, 1, MaxGroup), team, ct);
            bool cancelled = SimdDispatch.Run<ChaseJob, double, bool>(width, ref job);
            if (cancelled) ct.ThrowIfCancellationRequested();
        }

        for (int i = 0; i < n; i++) d[i] = band[i * ldm + i + bulge];
        for (int i = 0; i + 1 < n; i++) e[i] = band[(i + 1) * ldm + i + bulge];
    }

    /// <summary>Nominal flops of the reduction, 6n²b (the conventional count; the exact one is a little lower).</summary>
    internal static double NominalFlops(int n, int b) => 6.0 * n * (double)n * Math.Min(b, Math.Max(n - 1, 0));

    private readonly struct ChaseJob(BandWorkspace workspace, int n, int b, int ldm, int group, WorkerTeam team, CancellationToken ct)
        : ISimdJob<double, bool>
    {
        // One chaser per width and workspace (slot log2 of the lane count), kept so that repeated calls allocate nothing.
        public bool Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => workspace.Chaser(BitOperations.Log2((uint)TLanes.Count), static ws => new BandChaser<TLanes, TVec>(ws))
                .Chase(n, b, ldm, group, team, ct);
    }
}

/// <summary>The sweeps of <see cref="BandTridiagonalizer"/> at one vector width; one team item per member, each
/// taking sweep groups in order until none is left.</summary>
internal sealed class BandChaser<TL, TVec> : ITeamWork
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
{
    private const int Lag = BandTridiagonalizer.Lag;

    private readonly BandWorkspace _ws;
    private int _n, _b, _ldm, _bulge, _group, _sweeps, _groups;
    private int _nextGroup, _stop;
    private CancellationToken _ct;

    public BandChaser(BandWorkspace ws) => _ws = ws;

    /// <returns>True when cancelled (some sweeps were not run).</returns>
    public bool Chase(int n, int b, int ldm, int group, WorkerTeam team, CancellationToken ct)
    {
        _n = n;
        _b = b;
        _ldm = ldm;
        _bulge = 2 * b;
        _group = group;
        _sweeps = n - 2;
        _groups = (_sweeps + group - 1) / group;
        _nextGroup = 0;
        _stop = 0;
        _ct = ct;
        _ws.Progress.AsSpan(0, _groups * BandWorkspace.ProgressPad).Clear();
        team.Run(this, team.Size);
        _ct = default;
        return _stop != 0;
    }

    public void Execute(int item, int worker)
    {
        double[] scratch = _ws.Scratch[worker];
        while (Volatile.Read(ref _stop) == 0)
        {
            // Polled only here, on the caller, before taking a group: a group once taken is always finished, so a
            // group waiting on its predecessor never waits on one that will not run.
            if (worker == 0 && _ct.IsCancellationRequested)
            {
                Volatile.Write(ref _stop, 1);
                return;
            }
            int g = Interlocked.Increment(ref _nextGroup) - 1;
            if (g >= _groups) return;
            RunGroup(g, scratch);
        }
    }

    /// <summary>Tasks of sweep s: its blocks D_j, ⌈(n − 1 − s)/b⌉.</summary>
    private int Tasks(int s) => (_n - 1 - s + _b - 1) / _b;

    /// <summary>Sweeps g·G … g·G + G − 1 as a wavefront: at step t, sweep k of the group runs its task t − Lag·k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunGroup(int g, double[] scratch)
    {
        int s0 = g * _group, count = Math.Min(_group, _sweeps - s0), b = _b, stride = b + 8;
        Span<int> top = stackalloc int[count], parity = stackalloc int[count];
        Span<double> tau = stackalloc double[count];
        ref int published = ref _ws.Progress[g * BandWorkspace.ProgressPad];
        ref int before = ref _ws.Progress[Math.Max(g - 1, 0) * BandWorkspace.ProgressPad];
        int tasksBefore = g > 0 ? Tasks(s0 - 1) : 0;
        int lastTasks = Tasks(s0 + count - 1);
        int steps = Lag * (count - 1) + lastTasks;
        // After the group's reflectors: y (also the left application's w) and the mirror of the symmetric product.
        ref double y = ref scratch[2 * BandTridiagonalizer.MaxGroup * stride];
        ref double mirror = ref Unsafe.Add(ref y, stride);

        for (int t = 0; t < steps; t++)
        {
            for (int k = 0; k < count; k++)
            {
                int j = t - Lag * k;
                if (j < 0) break;
                int s = s0 + k;
                if (j >= Tasks(s)) continue;
                if (k == 0 && g > 0) WaitFor(ref before, Math.Min(j + Lag, tasksBefore));
                int current = (2 * k + parity[k]) * stride, next = (2 * k + (parity[k] ^ 1)) * stride;
                if (j == 0)
                {
                    top[k] = s + 1;
                    tau[k] = FirstTask(s, ref scratch[current], ref y, ref mirror);
                }
                else
                {
                    tau[k] = BulgeTask(top[k], tau[k], ref scratch[current], ref scratch[next], ref y, ref mirror);
                    top[k] += b;
                    parity[k] ^= 1;
                }
                if (k == count - 1) Volatile.Write(ref published, j + 1);
            }
        }
    }

    private static void WaitFor(ref int progress, int tasks)
    {
        if (Volatile.Read(ref progress) >= tasks) return;
        var spin = new SpinWait();
        while (Volatile.Read(ref progress) < tasks) spin.SpinOnce(sleep1Threshold: -1);
    }

    /// <summary>Index of band element (i, j).</summary>
    private int At(int i, int j) => i * _ldm + j + _bulge;

    /// <summary>DSB2ST type 1: annihilate A[s+2 … s+b, s] and apply the reflector to A[D_0, D_0] from both sides.</summary>
    /// <returns>τ of the reflector (left in <paramref name="v"/>).</returns>
    private double FirstTask(int s, ref double v, ref double y, ref double mirror)
    {
        int p0 = s + 1, length = Math.Min(s + _b, _n - 1) - p0 + 1;
        double[] band = _ws.Band;
        double tau = Annihilate(ref band[At(p0, s)], _ldm, length, ref v);
        if (tau != 0) TwoSided(ref band[At(p0, p0)], _ldm, length, ref v, tau, ref y, ref mirror);
        return tau;
    }

    /// <summary>
    /// DSB2ST types 2 and 3: with H = I − τ v vᵀ the reflector of the block D_{j−1} starting at row/column
    /// <paramref name="p0"/>, A[D_j, D_{j−1}] ← A[D_j, D_{j−1}]·H (the bulge), then a reflector u annihilates the
    /// bulge's first column below its top, and is applied from the left to the remaining columns and from both sides to
    /// A[D_j, D_j].
    /// </summary>
    /// <returns>τ of u (left in <paramref name="u"/>).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double BulgeTask(int p0, double tau, ref double v, ref double u, ref double y, ref double mirror)
    {
        int p1 = Math.Min(p0 + _b - 1, _n - 1), q0 = p1 + 1, q1 = Math.Min(p1 + _b, _n - 1);
        int rows = q1 - q0 + 1, columns = p1 - p0 + 1, ldm = _ldm;
        double[] band = _ws.Band;
        ref double block = ref band[At(q0, p0)];
        if (tau != 0) ApplyRight(ref block, ldm, rows, columns, ref v, tau);
        double tauU = Annihilate(ref block, ldm, rows, ref u);
        if (tauU != 0)
        {
            if (columns > 1)
                ApplyLeft(ref Unsafe.Add(ref block, 1), ldm, rows, columns - 1, ref u, tauU, ref y);
            TwoSided(ref band[At(q0, q0)], ldm, rows, ref u, tauU, ref y, ref mirror);
        }
        return tauU;
    }

    /// <summary>
    /// DLARFG on the column x = (c[0], c[ldm], …, c[(length−1)·ldm]): v (v[0] = 1) and τ such that
    /// (I − τ v vᵀ) x = β e₁, β = −sign(x₀)‖x‖ (no cancellation in x₀ − β); x is overwritten by β e₁.
    /// </summary>
    /// <returns>τ; 0 when x is already β e₁ (then nothing is written and v must not be used).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Annihilate(ref double column, int ldm, int length, ref double v)
    {
        if (length < 2) return 0;
        for (int r = 0; r < length; r++) Unsafe.Add(ref v, r) = Unsafe.Add(ref column, (nint)r * ldm);
        double alpha = v;
        double xnorm = TwoNorm(ref Unsafe.Add(ref v, 1), length - 1);
        if (xnorm == 0) return 0;
        double beta = -Math.CopySign(double.Hypot(alpha, xnorm), alpha); // once per task: the careful hypot is free
        double tau = (beta - alpha) / beta;
        LowerTriangleKernels.Scale<TL, TVec>(1 / (alpha - beta), ref Unsafe.Add(ref v, 1), length - 1);
        v = 1;
        column = beta;
        for (int r = 1; r < length; r++) Unsafe.Add(ref column, (nint)r * ldm) = 0;
        return tau;
    }

    /// <summary>‖x‖₂ from the plain sum of squares, redone with scaling when that under- or overflows (DNRM2's concern).</summary>
    private static double TwoNorm(ref double x, int length)
    {
        double ss = LowerTriangleKernels.Dot<TL, TVec>(ref x, ref x, length);
        if (ss > 1e-290 && ss < 1e290) return Math.Sqrt(ss);
        double scale = 0;
        for (int i = 0; i < length; i++) scale = Math.Max(scale, Math.Abs(Unsafe.Add(ref x, i)));
        if (scale == 0 || !double.IsFinite(scale)) return scale;
        double sum = 0;
        for (int i = 0; i < length; i++)
        {
            double y = Unsafe.Add(ref x, i) / scale;
            sum = Math.FusedMultiplyAdd(y, y, sum);
        }
        return scale * Math.Sqrt(sum);
    }

    /// <summary>
    /// DLARFY, lower: A ← H A H on the symmetric length×length block whose lower triangle starts at
    /// <paramref name="a"/>: w = τ A v, w −= ½τ (wᵀv) v, A −= v wᵀ + w vᵀ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoSided(ref double a, int ldm, int length, ref double v, double tau, ref double y, ref double mirror)
    {
        MemoryMarshal.CreateSpan(ref mirror, length).Clear();
        LowerTriangleKernels.SymvRows<TL, TVec>(ref a, ldm, ref v, ref y, ref mirror, 0, length);
        LowerTriangleKernels.Axpy<TL, TVec>(1.0, ref mirror, ref y, length);
        LowerTriangleKernels.Scale<TL, TVec>(tau, ref y, length);
        double alpha = -0.5 * tau * LowerTriangleKernels.Dot<TL, TVec>(ref y, ref v, length);
        LowerTriangleKernels.Axpy<TL, TVec>(alpha, ref v, ref y, length);
        LowerTriangleKernels.Rank2Rows<TL, TVec>(ref a, ldm, ref v, ref y, 0, length);
    }

    /// <summary>DLARFX, right: B ← B (I − τ v vᵀ) on rows×columns B (row stride ldm): per row, one dot and one axpy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyRight(ref double block, int ldm, int rows, int columns, ref double v, double tau)
    {
        for (int r = 0; r < rows; r++)
        {
            ref double row = ref Unsafe.Add(ref block, (nint)r * ldm);
            double t = tau * LowerTriangleKernels.Dot<TL, TVec>(ref row, ref v, columns);
            LowerTriangleKernels.Axpy<TL, TVec>(-t, ref v, ref row, columns);
        }
    }

    /// <summary>DLARFX, left: B ← (I − τ u uᵀ) B: w = τ Bᵀu accumulated row by row, then B[r, :] −= u[r]·w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ApplyLeft(ref double block, int ldm, int rows, int columns, ref double u, double tau, ref double w)
    {
        MemoryMarshal.CreateSpan(ref w, columns).Clear();
        for (int r = 0; r < rows; r++)
            LowerTriangleKernels.Axpy<TL, TVec>(Unsafe.Add(ref u, r), ref Unsafe.Add(ref block, (nint)r * ldm), ref w, columns);
        LowerTriangleKernels.Scale<TL, TVec>(tau, ref w, columns);
        for (int r = 0; r < rows; r++)
            LowerTriangleKernels.Axpy<TL, TVec>(-Unsafe.Add(ref u, r), ref w, ref Unsafe.Add(ref block, (nint)r * ldm), columns);
    }
}
