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
/// shared with the one-stage reducer), the fused right and left application as row dots, a row-axpy accumulation and a
/// rank-2 update of rows; only the b-long column a reflector is generated from is strided, once per task.</para>
/// <para><b>Order and threads.</b> Sweep s task j touches rows D_j(s) only; sweep s − 1 task i touches rows D_i(s − 1),
/// which meet D_j(s) for i ≤ j + 1 and lie wholly below it from i = j + 2 on. So task j may run as soon as sweep
/// s − 1 has finished task j + 1 (<see cref="Lead"/>), and nothing sweep s − 1 does later touches what it touched.
/// Sweeps are taken in groups of G consecutive ones; a worker runs its group as a wavefront (at step t sweep k of
/// the group runs task t − k, after sweep k − 1 ran task t − k + 1), so the group's G working sets are neighbours
/// in cache (about G·b rows of 2b doubles: 256 KiB at G = 4, b = 64, within L2) instead of a whole pass over the
/// band per sweep, and the first sweep of group g waits (spinning) on the published progress of the last sweep of
/// group g − 1, run by the other thread —
/// DSYTRD_SB2ST's pipelined sweeps with its thread groups. Every task sees exactly the data it would see in the
/// sequential order (all of sweep s before sweep s + 1), so the result is bit-identical for every thread count and
/// every group size.</para>
/// </remarks>
internal static class BandTridiagonalizer
{
    /// <summary>
    /// Sweep s may run task j once sweep s − 1 has completed this many more tasks (through task j + 1: the last one
    /// that overlaps; see the remarks). Within a group the wavefront keeps sweep k one task behind sweep k − 1, run
    /// first in each step, which is the same condition.
    /// </summary>
    internal const int Lead = 2;

    /// <summary>Largest sweep group.</summary>
    internal const int MaxGroup = 16;

    /// <summary>
    /// Sweeps per group by default. Measured on the loaded 2-core Zen 5 machine (thread CPU time, n = 4,000, b = 64),
    /// G = 1 … 16 were within the noise (±5%); 4 keeps a group's working set well inside L2 and makes the two threads
    /// meet once per four sweeps.
    /// </summary>
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
        _ws.EnsureWorkers(team.Size);
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

    /// <summary>Sweeps g·G … g·G + G − 1 as a wavefront: at step t, sweep k of the group runs its task t − k.</summary>
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
        int steps = count - 1 + lastTasks; // the last sweep finishes last: Tasks(s) − Tasks(s + 1) ≤ 1
        // After the group's reflectors: y (also the left application's w) and the mirror of the symmetric product.
        ref double y = ref scratch[2 * BandTridiagonalizer.MaxGroup * stride];
        ref double mirror = ref Unsafe.Add(ref y, stride);

        for (int t = 0; t < steps; t++)
        {
            for (int k = 0; k < count; k++)
            {
                int j = t - k;
                if (j < 0) break;
                int s = s0 + k;
                if (j >= Tasks(s)) continue;
                if (k == 0 && g > 0) WaitFor(ref before, Math.Min(j + BandTridiagonalizer.Lead, tasksBefore));
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
        int p0 = s + 1, length = Math.Min(s + _b, _n - 1) - p0 + 1, ldm = _ldm;
        double[] band = _ws.Band;
        ref double column = ref band[At(p0, s)];
        for (int r = 0; r < length; r++) Unsafe.Add(ref v, r) = Unsafe.Add(ref column, (nint)r * ldm);
        double tau = Householder(ref v, length, out double beta);
        if (tau == 0) return 0;
        column = beta;
        for (int r = 1; r < length; r++) Unsafe.Add(ref column, (nint)r * ldm) = 0;
        TwoSided(ref band[At(p0, p0)], ldm, length, ref v, tau, ref y, ref mirror);
        return tau;
    }

    /// <summary>
    /// DSB2ST types 2 and 3: with H = I − τ v vᵀ the reflector of the block D_{j−1} starting at row/column
    /// <paramref name="p0"/>, the bulge B = A[D_j, D_{j−1}] becomes U·B·H, where U = I − τ_u u uᵀ annihilates the
    /// first column of B·H below its top; then A[D_j, D_j] ← U A[D_j, D_j] U.
    /// </summary>
    /// <remarks>
    /// DLARFX right then DLARFX left would pass over B four times (dot and axpy per row, then Bᵀu and the
    /// update). Expanded, U B H = B − p vᵀ − u qᵀ with z = B v, y = Bᵀu, p = τ z − τ_u τ (uᵀz) u, q = τ_u y, and the
    /// first column of B H is B e₁ − τ z (v[0] = 1): three passes — the row dots z, the row-axpy accumulation y, one
    /// rank-2 update. Column 0 is then set to β e₁ exactly, as DSB2ST does.
    /// </remarks>
    /// <returns>τ_u (u left in <paramref name="u"/>).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double BulgeTask(int p0, double tau, ref double v, ref double u, ref double y, ref double z)
    {
        int p1 = Math.Min(p0 + _b - 1, _n - 1), q0 = p1 + 1, q1 = Math.Min(p1 + _b, _n - 1);
        int rows = q1 - q0 + 1, columns = p1 - p0 + 1, ldm = _ldm;
        double[] band = _ws.Band;
        ref double block = ref band[At(q0, p0)];

        if (tau != 0) RowDots(ref block, ldm, rows, columns, ref v, ref z);
        for (int r = 0; r < rows; r++)
            Unsafe.Add(ref u, r) = tau != 0 ? Unsafe.Add(ref block, (nint)r * ldm) - tau * Unsafe.Add(ref z, r) : Unsafe.Add(ref block, (nint)r * ldm);
        double tauU = Householder(ref u, rows, out double beta);

        if (tauU != 0)
        {
            ColumnSums(ref block, ldm, rows, columns, ref u, ref y);
            LowerTriangleKernels.Scale<TL, TVec>(tauU, ref y, columns);
            if (tau != 0)
            {
                double c = -tauU * LowerTriangleKernels.Dot<TL, TVec>(ref u, ref z, rows);
                LowerTriangleKernels.Scale<TL, TVec>(tau, ref z, rows);
                LowerTriangleKernels.Axpy<TL, TVec>(tau * c, ref u, ref z, rows);
                Rank2Update(ref block, ldm, rows, columns, ref z, ref v, ref u, ref y);
            }
            else
            {
                Rank1Update(ref block, ldm, rows, columns, ref u, ref y);
            }
            block = beta;
            for (int r = 1; r < rows; r++) Unsafe.Add(ref block, (nint)r * ldm) = 0;
            TwoSided(ref band[At(q0, q0)], ldm, rows, ref u, tauU, ref y, ref z);
        }
        else if (tau != 0)
        {
            // U = I: B H alone; its first column is the x that was found already reduced (u holds it unscaled).
            LowerTriangleKernels.Scale<TL, TVec>(tau, ref z, rows);
            Rank1Update(ref block, ldm, rows, columns, ref z, ref v);
            for (int r = 0; r < rows; r++) Unsafe.Add(ref block, (nint)r * ldm) = Unsafe.Add(ref u, r);
        }
        return tauU;
    }

    /// <summary>
    /// DLARFG on the contiguous x = v[0..length): v (v[0] = 1) and τ such that (I − τ v vᵀ) x = β e₁,
    /// β = −sign(x₀)‖x‖ (no cancellation in x₀ − β).
    /// </summary>
    /// <returns>τ; 0 when x is already β e₁ (then v is left as x and must not be used as a reflector).</returns>
    private static double Householder(ref double v, int length, out double beta)
    {
        beta = v;
        if (length < 2) return 0;
        double alpha = v;
        double xnorm = TwoNorm(ref Unsafe.Add(ref v, 1), length - 1);
        if (xnorm == 0) return 0;
        beta = -Math.CopySign(double.Hypot(alpha, xnorm), alpha); // once per task: the careful hypot is free
        double tau = (beta - alpha) / beta;
        LowerTriangleKernels.Scale<TL, TVec>(1 / (alpha - beta), ref Unsafe.Add(ref v, 1), length - 1);
        v = 1;
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

    /// <summary>z[r] = B[r, :]·v for the rows×columns block B (row stride ldm).</summary>
    /// <remarks>Four rows at a time share every load of v; two vectors per iteration give eight independent
    /// accumulators, enough to cover the FMA latency at b = 64 (eight vectors a row).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowDots(ref double block, int ldm, int rows, int columns, ref double v, ref double z)
    {
        int w = TL.Count, r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref double b0 = ref Unsafe.Add(ref block, (nint)r * ldm);
            ref double b1 = ref Unsafe.Add(ref b0, ldm);
            ref double b2 = ref Unsafe.Add(ref b1, ldm);
            ref double b3 = ref Unsafe.Add(ref b2, ldm);
            TVec s0 = TL.Create(0), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
            int c = 0;
            for (; c + 2 * w <= columns; c += 2 * w)
            {
                TVec va = TL.Load(in Unsafe.Add(ref v, c)), vb = TL.Load(in Unsafe.Add(ref v, c + w));
                s0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b0, c)), va, s0);
                s1 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b1, c)), va, s1);
                s2 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b2, c)), va, s2);
                s3 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b3, c)), va, s3);
                t0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b0, c + w)), vb, t0);
                t1 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b1, c + w)), vb, t1);
                t2 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b2, c + w)), vb, t2);
                t3 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b3, c + w)), vb, t3);
            }
            for (; c + w <= columns; c += w)
            {
                TVec va = TL.Load(in Unsafe.Add(ref v, c));
                s0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b0, c)), va, s0);
                s1 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b1, c)), va, s1);
                s2 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b2, c)), va, s2);
                s3 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b3, c)), va, s3);
            }
            double d0 = LowerTriangleKernels.Sum<TL, TVec>(TL.Add(s0, t0)), d1 = LowerTriangleKernels.Sum<TL, TVec>(TL.Add(s1, t1));
            double d2 = LowerTriangleKernels.Sum<TL, TVec>(TL.Add(s2, t2)), d3 = LowerTriangleKernels.Sum<TL, TVec>(TL.Add(s3, t3));
            for (; c < columns; c++)
            {
                double vc = Unsafe.Add(ref v, c);
                d0 = Math.FusedMultiplyAdd(Unsafe.Add(ref b0, c), vc, d0);
                d1 = Math.FusedMultiplyAdd(Unsafe.Add(ref b1, c), vc, d1);
                d2 = Math.FusedMultiplyAdd(Unsafe.Add(ref b2, c), vc, d2);
                d3 = Math.FusedMultiplyAdd(Unsafe.Add(ref b3, c), vc, d3);
            }
            Unsafe.Add(ref z, r) = d0;
            Unsafe.Add(ref z, r + 1) = d1;
            Unsafe.Add(ref z, r + 2) = d2;
            Unsafe.Add(ref z, r + 3) = d3;
        }
        for (; r < rows; r++)
            Unsafe.Add(ref z, r) = LowerTriangleKernels.Dot<TL, TVec>(ref Unsafe.Add(ref block, (nint)r * ldm), ref v, columns);
    }

    /// <summary>y = Bᵀu = Σ_r u[r]·B[r, :]: four rows per pass over y, so y is loaded and stored once per four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnSums(ref double block, int ldm, int rows, int columns, ref double u, ref double y)
    {
        MemoryMarshal.CreateSpan(ref y, columns).Clear();
        int w = TL.Count, r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            ref double b0 = ref Unsafe.Add(ref block, (nint)r * ldm);
            ref double b1 = ref Unsafe.Add(ref b0, ldm);
            ref double b2 = ref Unsafe.Add(ref b1, ldm);
            ref double b3 = ref Unsafe.Add(ref b2, ldm);
            double u0 = Unsafe.Add(ref u, r), u1 = Unsafe.Add(ref u, r + 1), u2 = Unsafe.Add(ref u, r + 2), u3 = Unsafe.Add(ref u, r + 3);
            TVec x0 = TL.Create(u0), x1 = TL.Create(u1), x2 = TL.Create(u2), x3 = TL.Create(u3);
            int c = 0;
            for (; c + w <= columns; c += w)
            {
                ref double yc = ref Unsafe.Add(ref y, c);
                TVec acc = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b0, c)), x0, TL.Load(in yc));
                acc = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b1, c)), x1, acc);
                acc = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b2, c)), x2, acc);
                TL.Store(TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref b3, c)), x3, acc), ref yc);
            }
            for (; c < columns; c++)
            {
                double acc = Math.FusedMultiplyAdd(Unsafe.Add(ref b0, c), u0, Unsafe.Add(ref y, c));
                acc = Math.FusedMultiplyAdd(Unsafe.Add(ref b1, c), u1, acc);
                acc = Math.FusedMultiplyAdd(Unsafe.Add(ref b2, c), u2, acc);
                Unsafe.Add(ref y, c) = Math.FusedMultiplyAdd(Unsafe.Add(ref b3, c), u3, acc);
            }
        }
        for (; r < rows; r++)
            LowerTriangleKernels.Axpy<TL, TVec>(Unsafe.Add(ref u, r), ref Unsafe.Add(ref block, (nint)r * ldm), ref y, columns);
    }

    /// <summary>B[r, :] −= p[r]·v + u[r]·q, two rows at a time (v and q loaded once for both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rank2Update(ref double block, int ldm, int rows, int columns, ref double p, ref double v, ref double u, ref double q)
    {
        int w = TL.Count, r = 0;
        for (; r + 2 <= rows; r += 2)
        {
            ref double b0 = ref Unsafe.Add(ref block, (nint)r * ldm);
            ref double b1 = ref Unsafe.Add(ref b0, ldm);
            double p0 = -Unsafe.Add(ref p, r), p1 = -Unsafe.Add(ref p, r + 1), u0 = -Unsafe.Add(ref u, r), u1 = -Unsafe.Add(ref u, r + 1);
            TVec xp0 = TL.Create(p0), xp1 = TL.Create(p1), xu0 = TL.Create(u0), xu1 = TL.Create(u1);
            int c = 0;
            for (; c + w <= columns; c += w)
            {
                TVec vc = TL.Load(in Unsafe.Add(ref v, c)), qc = TL.Load(in Unsafe.Add(ref q, c));
                ref double c0 = ref Unsafe.Add(ref b0, c), c1 = ref Unsafe.Add(ref b1, c);
                TL.Store(TL.FusedMultiplyAdd(xu0, qc, TL.FusedMultiplyAdd(xp0, vc, TL.Load(in c0))), ref c0);
                TL.Store(TL.FusedMultiplyAdd(xu1, qc, TL.FusedMultiplyAdd(xp1, vc, TL.Load(in c1))), ref c1);
            }
            for (; c < columns; c++)
            {
                double vc = Unsafe.Add(ref v, c), qc = Unsafe.Add(ref q, c);
                Unsafe.Add(ref b0, c) = Math.FusedMultiplyAdd(u0, qc, Math.FusedMultiplyAdd(p0, vc, Unsafe.Add(ref b0, c)));
                Unsafe.Add(ref b1, c) = Math.FusedMultiplyAdd(u1, qc, Math.FusedMultiplyAdd(p1, vc, Unsafe.Add(ref b1, c)));
            }
        }
        for (; r < rows; r++)
        {
            ref double b0 = ref Unsafe.Add(ref block, (nint)r * ldm);
            double p0 = -Unsafe.Add(ref p, r), u0 = -Unsafe.Add(ref u, r);
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref b0, c) = Math.FusedMultiplyAdd(u0, Unsafe.Add(ref q, c), Math.FusedMultiplyAdd(p0, Unsafe.Add(ref v, c), Unsafe.Add(ref b0, c)));
        }
    }

    /// <summary>B[r, :] −= p[r]·q (one of the two reflectors is the identity).</summary>
    private static void Rank1Update(ref double block, int ldm, int rows, int columns, ref double p, ref double q)
    {
        for (int r = 0; r < rows; r++)
            LowerTriangleKernels.Axpy<TL, TVec>(-Unsafe.Add(ref p, r), ref q, ref Unsafe.Add(ref block, (nint)r * ldm), columns);
    }
}
