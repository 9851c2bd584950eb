using System.Runtime.CompilerServices;
using FastRes.Kernels.Random;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>y = A·x for a symmetric operator A of order n (x and y of length n, never aliased).</summary>
public delegate void SymmetricOperator(ReadOnlySpan<double> x, Span<double> y);

/// <summary>
/// Stochastic Lanczos quadrature (SLQ) of a symmetric operator's spectral density: Ubaru, Chen &amp; Saad (2017),
/// "Fast estimation of tr(f(A)) via stochastic Lanczos quadrature" (SIAM J. Matrix Anal. Appl. 38(4)), as PyHessian uses
/// it for neural-network Hessians (Ghorbani, Krishnan &amp; Xiao 2019, "An investigation into neural net optimization via
/// Hessian eigenvalue density"; Yao et al. 2020). For each Rademacher probe v (‖v‖² = n), m Lanczos steps from v/‖v‖
/// give the tridiagonal T_m; its eigenvalues θ_j are the nodes and the squared first components τ_j² of its eigenvectors
/// the weights of the m-point Gauss quadrature of the measure μ_v = Σ_i (q_iᵀv)²/n · δ(λ − λ_i) (Golub &amp; Welsch 1969),
/// whose expectation over v is the spectral density (1/n) Σ_i δ(λ − λ_i). The estimate averages the probes' measures.
/// </summary>
/// <remarks>
/// <para>What the quadrature is exact for: vᵀp(A)v/n = Σ_j τ_j² p(θ_j) for every polynomial p of degree ≤ 2m − 1 (Gauss
/// quadrature), and with m = n steps the nodes are A's eigenvalues (where v has a component). Everything else — a
/// quantile of |λ|, the weight below 0 — is an estimate whose error this tool measures against exact spectra.</para>
/// <para>Full reorthogonalization, twice (classical Gram–Schmidt repeated: "twice is enough", Giraud, Langou &amp; Rozložník
/// 2005), as PyHessian reorthogonalizes every step: without it the Lanczos vectors lose orthogonality as soon as a Ritz
/// value converges and the quadrature grows spurious copies ("ghosts") of the extreme eigenvalues.</para>
/// <para>Breakdown: when β_j ≤ n·ε·‖T‖ the Krylov space is A-invariant (the probe lies in j eigenvectors' span, e.g. a
/// matrix with j distinct eigenvalues): the quadrature of those j nodes is exact, and the probe stops there. Steps are
/// capped at n, where the Krylov space is the whole space.</para>
/// <para>Deterministic: the probes come from Philox (seed, probe) and every step is sequential except the dense product,
/// whose rows are independent dots; the result does not depend on the thread count.</para>
/// </remarks>
public static class StochasticLanczos
{
    /// <summary>Lanczos steps per probe in PyHessian's density estimate (its <c>iter = 100</c>; the literature quotes 80–100).</summary>
    public const int DefaultSteps = 90;

    /// <summary>Probes: PyHessian's density uses one to a handful (<c>n_v = 1</c> by default; Ghorbani et al. average a few).</summary>
    public const int DefaultProbes = 4;

    /// <summary>The Philox stream of the probes (the counter's third word), kept apart from the experiments' streams.</summary>
    internal const uint ProbeStream = 0x51C0;

    /// <summary>
    /// The SLQ measure of the symmetric n×n row-major matrix <paramref name="a"/> (both triangles read) from
    /// <paramref name="probes"/> Rademacher probes of <paramref name="steps"/> Lanczos steps each.
    /// </summary>
    /// <param name="threads">Threads of the dense product (≤ 0: all processors); the result does not depend on it.</param>
    /// <exception cref="ArgumentException">The lengths do not match n, or steps or probes is below 1.</exception>
    public static SpectralQuadrature Estimate(double[] a, int n, int steps, int probes, ulong seed, int threads = 0,
        SimdWidth width = SimdWidth.Auto, CancellationToken cancellationToken = default)
    {
        using var op = new DenseSymmetricOperator(a, n, threads, width);
        return Estimate(op.Apply, n, steps, probes, seed, width, cancellationToken);
    }

    /// <summary>The SLQ measure of the symmetric operator <paramref name="apply"/> of order n.</summary>
    /// <exception cref="ArgumentException">n, steps or probes is below 1.</exception>
    /// <exception cref="OperationCanceledException">Polled before every Lanczos step.</exception>
    public static SpectralQuadrature Estimate(SymmetricOperator apply, int n, int steps, int probes, ulong seed,
        SimdWidth width = SimdWidth.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(probes, 1);
        int m = Math.Min(steps, n);
        var basis = new double[(long)m * n];
        var alpha = new double[m];
        var beta = new double[m];
        var v = new double[n];
        var w = new double[n];
        var h = new double[m];
        var nodes = new List<double>(m * probes);
        var weights = new List<double>(m * probes);
        var taken = new int[probes];
        var tau = new double[m];
        for (int p = 0; p < probes; p++)
        {
            RademacherProbe(seed, (ulong)p, v);
            int k = Lanczos(apply, n, v, m, basis, alpha, beta, w, h, width, cancellationToken);
            taken[p] = k;
            GaussQuadrature(alpha.AsSpan(0, k), beta.AsSpan(0, k), tau.AsSpan(0, k));
            for (int j = 0; j < k; j++)
            {
                nodes.Add(alpha[j]);
                weights.Add(tau[j] / probes);
            }
        }
        return new SpectralQuadrature(n, [.. nodes], [.. weights], taken);
    }

    /// <summary>
    /// Probe <paramref name="probe"/> of <paramref name="seed"/>: independent signs ±1 (Rademacher), one bit of a Philox
    /// word each, from the stream (seed, probe, <see cref="ProbeStream"/>). Rademacher rather than Gaussian probes: the
    /// Hutchinson trace estimator of least variance (Hutchinson 1990), and what PyHessian draws.
    /// </summary>
    public static void RademacherProbe(ulong seed, ulong probe, Span<double> v)
    {
        var rng = new PhiloxStream(seed, probe, ProbeStream);
        for (int i = 0; i < v.Length; i += 32)
        {
            uint bits = rng.NextUInt32();
            for (int b = 0; b < 32 && i + b < v.Length; b++) v[i + b] = ((bits >> b) & 1) == 0 ? 1.0 : -1.0;
        }
    }

    /// <summary>
    /// Lanczos tridiagonalization from q₁ = v/‖v‖ with full reorthogonalization (twice): A·Q_k = Q_k·T_k + β_k q_{k+1}e_kᵀ,
    /// T_k = tridiag(β, α, β). Stops after <paramref name="steps"/> steps or at breakdown (β ≤ n·ε·‖T‖).
    /// </summary>
    /// <param name="basis">Receives q₁…q_k as rows (length ≥ steps·n).</param>
    /// <param name="alpha">Receives T's diagonal α₁…α_k.</param>
    /// <param name="beta">Receives T's off-diagonal β₁…β_{k−1} in beta[0..k−2]; beta[k−1] is the residual norm β_k
    /// (≈ 0 at breakdown).</param>
    /// <param name="w">Scratch of length n.</param>
    /// <param name="h">Scratch of length ≥ steps (the Gram–Schmidt coefficients).</param>
    /// <returns>k, the steps taken (≤ steps).</returns>
    public static int Lanczos(SymmetricOperator apply, int n, ReadOnlySpan<double> v, int steps, Span<double> basis,
        Span<double> alpha, Span<double> beta, Span<double> w, Span<double> h, SimdWidth width = SimdWidth.Auto,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(apply);
        if (v.Length != n || w.Length < n || basis.Length < (long)steps * n || alpha.Length < steps || beta.Length < steps || h.Length < steps)
            throw new ArgumentException($"Lanczos of order {n} with {steps} steps: a buffer is too short.");
        var job = new LanczosJob(apply, n, v, steps, basis, alpha, beta, w, h, cancellationToken);
        return SimdDispatch.Run<LanczosJob, double, int>(width, ref job);
    }

    private ref struct LanczosJob(SymmetricOperator apply, int n, ReadOnlySpan<double> v, int steps, Span<double> basis,
        Span<double> alpha, Span<double> beta, Span<double> w, Span<double> h, CancellationToken cancellationToken) : ISimdJob<double, int>
    {
        private readonly ReadOnlySpan<double> _v = v;
        private readonly Span<double> _basis = basis, _alpha = alpha, _beta = beta, _w = w, _h = h;

        public readonly int Run<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct
        {
            ref double q0 = ref _basis[0];
            ref double wr = ref _w[0];
            double norm = Math.Sqrt(LowerTriangleKernels.Dot<TL, TVec>(ref Unsafe.AsRef(in _v[0]), ref Unsafe.AsRef(in _v[0]), n));
            if (norm == 0) throw new ArgumentException("The start vector is zero.", nameof(v));
            _v.CopyTo(_basis[..n]);
            LowerTriangleKernels.Scale<TL, TVec>(1 / norm, ref q0, n);
            double tNorm = 0;
            for (int k = 0; k < steps; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ref double qk = ref Unsafe.Add(ref q0, (nint)k * n);
                apply(_basis.Slice(k * n, n), _w[..n]);
                // Two passes of classical Gram–Schmidt against every q_i, i ≤ k (CGS2), which also removes the α_k q_k and
                // β_{k−1} q_{k−1} terms of the three-term recurrence: α_k = q_kᵀAq_k is the first pass's coefficient on q_k
                // plus the second pass's (tiny) correction.
                double a = 0;
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int i = 0; i <= k; i++) _h[i] = LowerTriangleKernels.Dot<TL, TVec>(ref Unsafe.Add(ref q0, (nint)i * n), ref wr, n);
                    for (int i = 0; i <= k; i++) LowerTriangleKernels.Axpy<TL, TVec>(-_h[i], ref Unsafe.Add(ref q0, (nint)i * n), ref wr, n);
                    a += _h[k];
                }
                double b = Math.Sqrt(LowerTriangleKernels.Dot<TL, TVec>(ref wr, ref wr, n));
                _alpha[k] = a;
                _beta[k] = b;
                tNorm = Math.Max(tNorm, Math.Abs(a) + b + (k > 0 ? _beta[k - 1] : 0));
                // Invariant subspace (or the whole space): T_k's quadrature is exact for the probe; stop.
                if (k + 1 == steps || k + 1 == n || b <= n * 2.220446049250313e-16 * tNorm) return k + 1;
                ref double next = ref Unsafe.Add(ref qk, n);
                _w[..n].CopyTo(_basis.Slice((k + 1) * n, n));
                LowerTriangleKernels.Scale<TL, TVec>(1 / b, ref next, n);
            }
            return steps;
        }
    }

    /// <summary>
    /// Gauss quadrature from the Jacobi matrix T = tridiag(β, α, β) of order k (Golub &amp; Welsch 1969): on return
    /// <paramref name="alpha"/> holds the nodes θ_j (T's eigenvalues, ascending) and <paramref name="tau"/> the weights τ_j²
    /// (squared first components of T's normalized eigenvectors; Σ τ_j² = 1). <paramref name="beta"/>[0..k−2] is destroyed.
    /// </summary>
    /// <remarks>
    /// The implicit QL iteration with Wilkinson shifts of EISPACK's tql2 (Bowdler, Martin, Reinsch &amp; Wilkinson 1968, as
    /// in Numerical Recipes' tqli), applying each Givens rotation only to the first row of the eigenvector matrix — all the
    /// weights need, so O(k²) instead of O(k³).
    /// </remarks>
    /// <exception cref="ArithmeticException">No convergence in 30 sweeps per eigenvalue (not expected for finite input).</exception>
    public static void GaussQuadrature(Span<double> alpha, Span<double> beta, Span<double> tau)
    {
        int k = alpha.Length;
        if (beta.Length < k || tau.Length < k) throw new ArgumentException("beta and tau need the length of alpha.");
        if (k == 0) return;
        Span<double> d = alpha, e = beta[..k], z = tau[..k];
        e[k - 1] = 0; // the residual norm is not part of T
        z.Clear();
        z[0] = 1;
        const double eps = 2.220446049250313e-16;
        for (int l = 0; l < k; l++)
        {
            int iterations = 0;
            int m;
            do
            {
                for (m = l; m < k - 1; m++)
                {
                    double dd = Math.Abs(d[m]) + Math.Abs(d[m + 1]);
                    if (Math.Abs(e[m]) <= eps * dd) break;
                }
                if (m == l) break;
                if (iterations++ == 30 * k) throw new ArithmeticException("The tridiagonal QL iteration did not converge.");
                double g = (d[l + 1] - d[l]) / (2 * e[l]);
                double r = double.Hypot(g, 1);
                g = d[m] - d[l] + e[l] / (g + Math.CopySign(r, g));
                double s = 1, c = 1, p = 0;
                int i;
                bool underflow = false;
                for (i = m - 1; i >= l; i--)
                {
                    double f = s * e[i], b = c * e[i];
                    e[i + 1] = r = double.Hypot(f, g);
                    if (r == 0)
                    {
                        // Recover from underflow: the rotation is the identity, deflate and restart the sweep.
                        d[i + 1] -= p;
                        e[m] = 0;
                        underflow = true;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2 * c * b;
                    d[i + 1] = g + (p = s * r);
                    g = c * r - b;
                    double zf = z[i + 1];
                    z[i + 1] = s * z[i] + c * zf;
                    z[i] = c * z[i] - s * zf;
                }
                if (underflow) continue;
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            } while (true);
        }
        for (int j = 0; j < k; j++) z[j] *= z[j];
        // Ascending nodes, each weight with its node (insertion sort: k is at most a few hundred).
        for (int j = 1; j < k; j++)
        {
            double dj = d[j], zj = z[j];
            int i = j - 1;
            for (; i >= 0 && d[i] > dj; i--) { d[i + 1] = d[i]; z[i + 1] = z[i]; }
            d[i + 1] = dj;
            z[i + 1] = zj;
        }
    }
}

/// <summary>
/// A dense symmetric n×n matrix (row-major, both triangles) as a <see cref="SymmetricOperator"/>: each output element a
/// vectorized dot of one row with x, the rows shared out in fixed chunks on a worker team. Memory-bound (each product
/// streams the 8n² bytes once); every y[i] is the same dot whatever the thread count.
/// </summary>
public sealed unsafe class DenseSymmetricOperator : IDisposable, ITeamWork
{
    /// <summary>Rows per work item: enough that a chunk (≥ 64 rows × n) outweighs the hand-off.</summary>
    private const int ChunkRows = 64;

    private readonly double[] _a;
    private readonly int _n;
    private readonly SimdWidth _width;
    private readonly WorkerTeam _team;
    private double* _x, _y;

    /// <param name="threads">Threads (≤ 0: all processors); below 256 rows the product runs on the caller.</param>
    public DenseSymmetricOperator(double[] a, int n, int threads = 0, SimdWidth width = SimdWidth.Auto)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (a.LongLength != (long)n * n) throw new ArgumentException($"a has length {a.LongLength}; an {n}×{n} matrix needs {(long)n * n}.", nameof(a));
        _a = a;
        _n = n;
        _width = width;
        if (threads <= 0) threads = Environment.ProcessorCount;
        _team = threads > 1 && n >= 256 ? new WorkerTeam(threads) : WorkerTeam.Single;
    }

    /// <summary>y = A·x.</summary>
    public void Apply(ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != _n || y.Length != _n) throw new ArgumentException($"x and y need length {_n}.");
        fixed (double* px = x, py = y)
        {
            _x = px;
            _y = py;
            _team.Run(this, (_n + ChunkRows - 1) / ChunkRows);
            _x = _y = null;
        }
    }

    void ITeamWork.Execute(int item, int worker)
    {
        int r0 = item * ChunkRows, r1 = Math.Min(_n, r0 + ChunkRows);
        var job = new RowsJob(_a, _n, _x, _y, r0, r1);
        SimdDispatch.Run<RowsJob, double>(_width, ref job);
    }

    private readonly struct RowsJob(double[] a, int n, double* x, double* y, int r0, int r1) : ISimdJob<double>
    {
        public void Run<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct
        {
            ref double a0 = ref a[0];
            ref double xr = ref *x;
            for (int r = r0; r < r1; r++)
                y[r] = LowerTriangleKernels.Dot<TL, TVec>(ref Unsafe.Add(ref a0, (nint)r * n), ref xr, n);
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_team, WorkerTeam.Single)) _team.Dispose();
    }
}
