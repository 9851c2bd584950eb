namespace FastRes.Kernels.Networks;

/// <summary>
/// What Theorem 2 of Li, Jiao, Han and Weissman ("Demystifying ResNet") predicts for the Hessian of an n-shortcut
/// network at w = 0 (with σ_mid(0) = σ_post(0) = 0, Assumption 3), as code the experiments and tests can call.
/// All matrices are in this project's parameter layout (<see cref="NShortcutNetwork"/>: row-major, index i·d + j
/// for W_{ij}); the paper indexes a matrix column-major ((j − 1)d + i, its eq. 21), which is a fixed permutation
/// P of each d²-block and changes no eigenvalue.
/// </summary>
/// <remarks>
/// The theorem's statement is recalled where each helper implements it. At w = 0 every unit is the identity map
/// (its path ends in σ_post(0) = 0), so ŷ = x and the residual is e = x − y; writing s = σ_pre(x) and
/// Σ^{AB}_{ij} = (1/m) Σ_μ a^μ_i b^μ_j, the derivations below are the paper's Appendix A.2 with general σ_pre, σ_post.
/// ReLU enters through σ′(0) := 0 (the value this project's kernels use); the theorem is checked with identity and
/// tanh, which are smooth at 0.
/// </remarks>
public static class TheoremTwo
{
    /// <summary>M = Σ^{Xσ_pre(X)} − Σ^{Yσ_pre(X)}: M_ij = (1/m) Σ_μ (x^μ_i − y^μ_i) σ_pre(x^μ_j) (d×d, row-major).</summary>
    public static double[] MatrixM(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width, Activation pre)
    {
        Check(x, y, samples, width);
        int d = width;
        var m = new double[d * d];
        Span<double> s = stackalloc double[d];
        for (int mu = 0; mu < samples; mu++)
        {
            for (int j = 0; j < d; j++) s[j] = Activations.Value(pre, x[mu * d + j]);
            for (int i = 0; i < d; i++)
            {
                double e = x[mu * d + i] - y[mu * d + i];
                for (int j = 0; j < d; j++) m[i * d + j] += e * s[j];
            }
        }
        for (int k = 0; k < m.Length; k++) m[k] /= samples;
        return m;
    }

    /// <summary>
    /// n = 2: the block A = ∂²L/∂W^{r,2}∂W^{r,1} at 0 (d²×d², rows W^{r,2}_{i₁j₁}, columns W^{r,1}_{i₂j₂}),
    /// A = σ′_mid(0)σ′_post(0)·δ_{j₁i₂}·M_{i₁j₂} (paper eqs. 23–25). Every unit's diagonal block of H is [[0, Aᵀ], [A, 0]]
    /// and all other blocks vanish (eq. 8).
    /// </summary>
    public static double[] BlockAN2(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width,
        Activation pre, Activation mid, Activation post)
    {
        double[] m = MatrixM(x, y, samples, width, pre);
        double c = Activations.DerivativeAtZero(mid) * Activations.DerivativeAtZero(post);
        int d = width, dd = d * d;
        var a = new double[dd * dd];
        for (int i1 = 0; i1 < d; i1++)
            for (int j1 = 0; j1 < d; j1++)
                for (int j2 = 0; j2 < d; j2++)
                    a[(i1 * d + j1) * dd + j1 * d + j2] = c * m[i1 * d + j2]; // i₂ = j₁
        return a;
    }

    /// <summary>
    /// n = 2: the whole spectrum of H at 0, ascending (N = 2Rd² values): ±σ′_mid(0)σ′_post(0)·s_i(M), each with
    /// multiplicity d·R (eq. 26; A = c·(M ⊗ I) up to a permutation, so AᵀA ≅ c²·(I_d ⊗ MᵀM)).
    /// </summary>
    public static double[] PredictedEigenvaluesN2(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width,
        int units, Activation pre, Activation mid, Activation post)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        double[] sv = SingularValues(MatrixM(x, y, samples, width, pre), width);
        double c = Math.Abs(Activations.DerivativeAtZero(mid) * Activations.DerivativeAtZero(post));
        int d = width, copies = d * units;
        var eig = new double[2 * copies * d];
        int k = 0;
        foreach (double s in sv)
            for (int t = 0; t < copies; t++) { eig[k++] = c * s; eig[k++] = -c * s; }
        Array.Sort(eig);
        return eig;
    }

    /// <summary>n = 2: cond(H) = s_max(M)/s_min(M) (eq. 9), independent of the depth; +∞ when M is singular.</summary>
    public static double PredictedConditionN2(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width, Activation pre)
    {
        double[] sv = SingularValues(MatrixM(x, y, samples, width, pre), width);
        return sv[^1] == 0 ? double.PositiveInfinity : sv[0] / sv[^1];
    }

    /// <summary>
    /// n = 1: the blocks of the block-Toeplitz Hessian (eq. 10), each d²×d² in this project's layout:
    /// B = ∂²L/∂W^r∂W^r (diagonal blocks) and A = ∂²L/∂W^{r₁}∂W^{r₂} for a later unit r₁ > r₂ (below the diagonal; Aᵀ
    /// above). With s = σ_pre(x), e = x − y, c = σ′_post(0):
    /// <code>B[(i₁j₁),(i₂j₂)] = δ_{i₁i₂} (1/m) Σ_μ s_{j₁}s_{j₂} (c² + σ″_post(0) e_{i₁})
    /// A[(i₁j₁),(i₂j₂)] = δ_{i₁i₂} c² Σ^{ss}_{j₁j₂} + δ_{j₁i₂} c² (1/m) Σ_μ e_{i₁} σ′_pre(x_{j₁}) s_{j₂}</code>
    /// which for identity activations are the paper's eqs. (28)–(32): B = P diag(Σ^{XX}) Pᵀ and
    /// A = diag(Σ^{XX} − Σ^{YX}) Pᵀ + B.
    /// </summary>
    public static (double[] B, double[] A) ToeplitzBlocksN1(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width,
        Activation pre, Activation post)
    {
        Check(x, y, samples, width);
        int d = width, dd = d * d;
        double c = Activations.DerivativeAtZero(post), c2 = c * c;
        double curv = Activations.SecondDerivative(post, 0.0);
        var sss = new double[dd];        // Σ^{ss}
        var sse = new double[d * dd];    // (1/m) Σ_μ e_i s_j s_k  (only needed when σ″_post(0) ≠ 0)
        var cross = new double[d * dd];  // (1/m) Σ_μ e_i σ′_pre(x_j) s_k
        Span<double> s = stackalloc double[d], g = stackalloc double[d];
        for (int mu = 0; mu < samples; mu++)
        {
            for (int j = 0; j < d; j++) { s[j] = Activations.Value(pre, x[mu * d + j]); g[j] = Activations.Derivative(pre, x[mu * d + j]); }
            for (int j = 0; j < d; j++)
                for (int k = 0; k < d; k++) sss[j * d + k] += s[j] * s[k];
            for (int i = 0; i < d; i++)
            {
                double e = x[mu * d + i] - y[mu * d + i];
                for (int j = 0; j < d; j++)
                    for (int k = 0; k < d; k++)
                    {
                        cross[(i * d + j) * d + k] += e * g[j] * s[k];
                        if (curv != 0) sse[(i * d + j) * d + k] += e * s[j] * s[k];
                    }
            }
        }
        var b = new double[dd * dd];
        var a = new double[dd * dd];
        for (int i1 = 0; i1 < d; i1++)
            for (int j1 = 0; j1 < d; j1++)
            {
                int row = (i1 * d + j1) * dd;
                for (int j2 = 0; j2 < d; j2++)
                {
                    double gn = c2 * sss[j1 * d + j2] / samples;
                    b[row + i1 * d + j2] = gn + curv * sse[(i1 * d + j1) * d + j2] / samples;
                    a[row + i1 * d + j2] += gn;                                               // i₂ = i₁
                    a[row + j1 * d + j2] += c2 * cross[(i1 * d + j1) * d + j2] / samples;     // i₂ = j₁
                }
            }
        return (b, a);
    }

    /// <summary>The n = 1 Hessian of eq. (10) from its blocks: B on the diagonal, A below, Aᵀ above (N = R·d²).</summary>
    public static void AssembleN1(ReadOnlySpan<double> b, ReadOnlySpan<double> a, int width, int units, Span<double> hessian)
    {
        int dd = width * width, n = units * dd;
        if (b.Length != dd * dd || a.Length != dd * dd) throw new ArgumentException("blocks are d²×d²");
        if (hessian.Length != n * n) throw new ArgumentException($"the Hessian needs {n}×{n} values", nameof(hessian));
        for (int r1 = 0; r1 < units; r1++)
            for (int r2 = 0; r2 < units; r2++)
                for (int p = 0; p < dd; p++)
                    for (int q = 0; q < dd; q++)
                        hessian[(r1 * dd + p) * n + r2 * dd + q] =
                            r1 == r2 ? b[p * dd + q] : r1 > r2 ? a[p * dd + q] : a[q * dd + p];
    }

    /// <summary>The n = 2 Hessian of eq. (8): R diagonal blocks [[0, Aᵀ], [A, 0]] (rows W^{r,1} then W^{r,2}), zero elsewhere.</summary>
    public static void AssembleN2(ReadOnlySpan<double> a, int width, int units, Span<double> hessian)
    {
        int dd = width * width, n = 2 * units * dd;
        if (a.Length != dd * dd) throw new ArgumentException("A is d²×d²");
        if (hessian.Length != n * n) throw new ArgumentException($"the Hessian needs {n}×{n} values", nameof(hessian));
        hessian.Clear();
        for (int r = 0; r < units; r++)
        {
            int first = 2 * r * dd, second = first + dd;
            for (int p = 0; p < dd; p++)
                for (int q = 0; q < dd; q++)
                {
                    hessian[(second + p) * n + first + q] = a[p * dd + q];
                    hessian[(first + q) * n + second + p] = a[p * dd + q];
                }
        }
    }

    /// <summary>
    /// Singular values of a small square matrix, descending: one-sided Jacobi (Hestenes 1958; Demmel and Veselić 1992),
    /// which orthogonalizes the columns by plane rotations and is accurate to high relative precision even for the
    /// smallest values — so the predicted spectrum is not limited by the oracle.
    /// </summary>
    public static double[] SingularValues(ReadOnlySpan<double> matrix, int width)
    {
        int d = width;
        if (matrix.Length < d * d) throw new ArgumentException("matrix is d×d", nameof(matrix));
        var u = matrix.Slice(0, d * d).ToArray();
        for (int sweep = 0; sweep < 60; sweep++)
        {
            double off = 0;
            for (int p = 0; p < d - 1; p++)
                for (int q = p + 1; q < d; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < d; i++)
                    {
                        double up = u[i * d + p], uq = u[i * d + q];
                        alpha += up * up; beta += uq * uq; gamma += up * uq;
                    }
                    if (gamma == 0 || Math.Abs(gamma) <= 1e-17 * Math.Sqrt(alpha * beta)) continue;
                    off = Math.Max(off, Math.Abs(gamma) / Math.Sqrt(alpha * beta));
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta == 0 ? 1.0 : zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    double cs = 1 / Math.Sqrt(1 + t * t), sn = cs * t;
                    for (int i = 0; i < d; i++)
                    {
                        double up = u[i * d + p], uq = u[i * d + q];
                        u[i * d + p] = cs * up - sn * uq;
                        u[i * d + q] = sn * up + cs * uq;
                    }
                }
            if (off <= 1e-15) break; // columns orthogonal to rounding
        }
        var sv = new double[d];
        for (int j = 0; j < d; j++)
        {
            double s = 0;
            for (int i = 0; i < d; i++) s += u[i * d + j] * u[i * d + j];
            sv[j] = Math.Sqrt(s);
        }
        Array.Sort(sv);
        Array.Reverse(sv);
        return sv;
    }

    private static void Check(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (x.Length < samples * width || y.Length < samples * width) throw new ArgumentException("X and Y need m×d values");
    }
}
