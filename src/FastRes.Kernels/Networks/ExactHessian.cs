namespace FastRes.Kernels.Networks;

/// <summary>
/// The exact Hessian of L(θ) = (1/2m) Σ_μ ‖y^μ − ŷ(x^μ)‖² for an <see cref="NShortcutNetwork"/>, analytic in the
/// spirit of Bishop (1992), "Exact calculation of the Hessian matrix for the multilayer perceptron": no finite
/// differences, no autodiff graph. Output: dense N×N row-major in the parameter layout of <see cref="NShortcutNetwork"/>,
/// exactly symmetric.
/// </summary>
/// <remarks>
/// <para><b>The formula both paths evaluate.</b> Let u_l be layer l's input, z_l = W_l u_l its output, δ_l = ∂ℓ/∂z_l.
/// For layers l ≤ l′ (l nearer the input), Bishop's chain rule gives
/// <code>∂²L/∂W_l[i,j]∂W_l′[i′,j′] = (1/m) Σ_μ u_l[j] · ( Q_{l→l′}[j′,i] δ_l′[i′] + u_l′[j′] Ψ_{l,l′}[i′,i] )</code>
/// with Q_{l→l′} = ∂u_l′/∂z_l (the forward Jacobian; 0 when l = l′) and Ψ_{l,l′} = ∂δ_l′/∂z_l (the derivative of
/// the back-propagated error with respect to an earlier pre-activation, which holds both the Gauss–Newton part and
/// the residual-weighted σ″ part). Each term is a Kronecker-structured product, so a layer pair costs d⁴ per sample
/// instead of the d⁵ of multiplying stacked per-sample Jacobians (K = m·d).</para>
/// <para><b>Linear networks</b> (<see cref="NShortcutNetwork.IsLinear"/>): u_l = R_l x, δ_l′ = L_l′ᵀ(ŷ − y), Q and Ψ do
/// not depend on the sample, so the sum over μ collapses onto Σ^{XX} and Σ^{XY}:
/// <code>H_{(l,i,j),(l′,i′,j′)} = (L_lᵀL_l′)[i,i′]·(R_l Σ^{XX} R_l′ᵀ)[j,j′] + (R_l Eᵀ L_l′)[j,i′]·Q_{l→l′}[j′,i]</code>
/// with E = W Σ^{XX} − Σ^{YX} the gradient of L with respect to the end-to-end map W (Li et al. eq. 2). This is
/// d×d products only: nothing per sample once the moments are known.</para>
/// </remarks>
public static partial class ExactHessian
{
    /// <summary>The exact Hessian at θ: the Σ path for linear networks, the per-sample path otherwise.</summary>
    /// <param name="hessian">N×N row-major destination.</param>
    /// <param name="threads">Threads for the per-sample path (≤ 0: all processors).</param>
    /// <param name="cancellationToken">Polled per source layer (linear) or per block of samples and source layer.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; <paramref name="hessian"/> then holds partial sums.</exception>
    public static void Compute(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> x,
        ReadOnlySpan<double> y, int samples, Span<double> hessian, int threads = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.IsLinear)
        {
            int d = network.Width;
            Span<double> sxx = new double[d * d], sxy = new double[d * d];
            Moments(x, y, samples, d, sxx, sxy);
            Linear(network, parameters, sxx, sxy, hessian, cancellationToken);
        }
        else PerSample(network, parameters, x, y, samples, hessian, threads, cancellationToken: cancellationToken);
    }

    /// <summary>Σ^{XX}_{ab} = (1/m) Σ_μ x^μ_a x^μ_b and Σ^{XY}_{ab} = (1/m) Σ_μ x^μ_a y^μ_b (d×d row-major).</summary>
    public static void Moments(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int width,
        Span<double> sxx, Span<double> sxy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        int d = width;
        if (x.Length < samples * d || y.Length < samples * d) throw new ArgumentException("X and Y need m×d values");
        if (sxx.Length < d * d || sxy.Length < d * d) throw new ArgumentException("the moments need d×d values");
        sxx.Slice(0, d * d).Clear();
        sxy.Slice(0, d * d).Clear();
        for (int mu = 0; mu < samples; mu++)
        {
            ReadOnlySpan<double> xm = x.Slice(mu * d, d), ym = y.Slice(mu * d, d);
            for (int a = 0; a < d; a++)
            {
                double xa = xm[a];
                for (int b = 0; b < d; b++) { sxx[a * d + b] += xa * xm[b]; sxy[a * d + b] += xa * ym[b]; }
            }
        }
        double s = 1.0 / samples;
        for (int i = 0; i < d * d; i++) { sxx[i] *= s; sxy[i] *= s; }
    }

    /// <summary>
    /// The exact Hessian of a linear network (all activations identity, shortcut or plain) from the moments alone:
    /// L = ½ tr(W Σ^{XX} Wᵀ) − tr(W Σ^{XY}) + ½ tr Σ^{YY}, see the type remarks. Cost O(D² d⁴), independent of m.
    /// </summary>
    /// <param name="sxx">Σ^{XX} (d×d).</param>
    /// <param name="sxy">Σ^{XY} (d×d), Σ^{XY}_{ab} = (1/m) Σ_μ x_a y_b.</param>
    /// <param name="cancellationToken">Polled once per source layer l (its D − l blocks are O(D d⁴) together).</param>
    public static void Linear(NShortcutNetwork network, ReadOnlySpan<double> parameters, ReadOnlySpan<double> sxx,
        ReadOnlySpan<double> sxy, Span<double> hessian, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!network.IsLinear) throw new ArgumentException("the Σ path needs identity activations everywhere", nameof(network));
        network.CheckParameters(parameters);
        int d = network.Width, dd = d * d, D = network.Depth, n = network.ShortcutDepth, R = network.Units, N = network.ParameterCount;
        if (sxx.Length < dd || sxy.Length < dd) throw new ArgumentException("the moments need d×d values");
        if (hessian.Length != (long)N * N) throw new ArgumentException($"the Hessian needs {N}×{N} values", nameof(hessian));
        double keep = network.HasShortcut ? 1.0 : 0.0;

        // Rm[l] = ∂u_l/∂x and the end-to-end map W = ∂ŷ/∂x (forward); Lm[l] = ∂ŷ/∂z_l (backward).
        var rm = new double[D * dd];
        var lm = new double[D * dd];
        var h = new double[dd];
        var t = new double[dd];
        LinearNetworkLoss.ForwardMaps(network, parameters, rm, h, t); // h_{r+1} = s·h_r + unit path
        var end = h; // W
        var a = new double[dd];
        SmallMatrix.Identity(a, d);
        for (int r = R - 1; r >= 0; r--)
        {
            for (int k = n - 1; k >= 0; k--)
            {
                int l = r * n + k;
                if (k == n - 1) a.CopyTo(lm.AsSpan(l * dd, dd));
                else SmallMatrix.Multiply(lm.AsSpan((l + 1) * dd, dd), false, parameters.Slice((l + 1) * dd, dd), false, lm.AsSpan(l * dd, dd), d);
            }
            int l0 = r * n;
            SmallMatrix.Multiply(lm.AsSpan(l0 * dd, dd), false, parameters.Slice(l0 * dd, dd), false, t, d);
            SmallMatrix.ScaleAdd(a, keep, t, d); // ∂ŷ/∂h_r = s·∂ŷ/∂h_{r+1} + (∂ŷ/∂z_{l0}) W_{l0}
        }

        // Eᵀ = Σ^{XX} Wᵀ − Σ^{XY} = (1/m) Σ_μ x (ŷ − y)ᵀ.
        var et = new double[dd];
        SmallMatrix.Multiply(sxx, false, end, true, et, d);
        for (int i = 0; i < dd; i++) et[i] -= sxy[i];

        var g1 = new double[dd];   // L_lᵀ L_l′            [i, i′]
        var g2 = new double[dd];   // R_l Σ^{XX} R_l′ᵀ     [j, j′]
        var g3 = new double[dd];   // R_l Eᵀ L_l′          [j, i′]
        var rs = new double[dd];   // R_l Σ^{XX}
        var re = new double[dd];   // R_l Eᵀ
        var q = new double[D * dd]; // Q_{l→l′} = ∂u_l′/∂z_l for l′ > l
        var zt = new double[dd];
        var ht = new double[dd];
        for (int l = 0; l < D; l++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Tangent walk from z_l (identity directions) to every later layer input: Q_{l→l′}.
            SmallMatrix.Identity(zt, d);
            ht.AsSpan().Clear();
            int rl = l / n;
            for (int lp = l + 1; lp < D; lp++)
            {
                Span<double> ql = q.AsSpan(lp * dd, dd);
                if (lp % n == 0)
                {
                    // z_{lp−1} closed unit lp/n − 1: h-tangent = s·(previous h-tangent, 0 for the source unit) + z-tangent.
                    for (int i = 0; i < dd; i++) ht[i] = (lp / n - 1 == rl ? 0.0 : keep * ht[i]) + zt[i];
                    ht.CopyTo(ql);
                }
                else zt.CopyTo(ql);
                SmallMatrix.Multiply(parameters.Slice(lp * dd, dd), false, ql, false, zt, d);
            }

            SmallMatrix.Multiply(rm.AsSpan(l * dd, dd), false, sxx, false, rs, d);
            SmallMatrix.Multiply(rm.AsSpan(l * dd, dd), false, et, false, re, d);
            for (int lp = l; lp < D; lp++)
            {
                SmallMatrix.Multiply(lm.AsSpan(l * dd, dd), true, lm.AsSpan(lp * dd, dd), false, g1, d);
                SmallMatrix.Multiply(rs, false, rm.AsSpan(lp * dd, dd), true, g2, d);
                bool cross = lp > l;
                if (cross) SmallMatrix.Multiply(re, false, lm.AsSpan(lp * dd, dd), false, g3, d);
                else
                {
                    // Diagonal block: g1 = LᵀL is bitwise symmetric (same products, same order); make g2 so too, and
                    // the block g1 ⊗ g2 is exactly symmetric.
                    for (int j = 0; j < d; j++)
                        for (int jp = j + 1; jp < d; jp++)
                            g2[j * d + jp] = g2[jp * d + j] = 0.5 * (g2[j * d + jp] + g2[jp * d + j]);
                }
                ReadOnlySpan<double> ql = q.AsSpan(lp * dd, dd);
                // Upper block rows (l, i, j): contiguous over j′.
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                    {
                        Span<double> row = hessian.Slice(((l * dd) + i * d + j) * N + lp * dd, dd);
                        for (int ip = 0; ip < d; ip++)
                        {
                            double gi = g1[i * d + ip];
                            if (cross)
                            {
                                double g3v = g3[j * d + ip];
                                for (int jp = 0; jp < d; jp++) row[ip * d + jp] = gi * g2[j * d + jp] + g3v * ql[jp * d + i];
                            }
                            else
                                for (int jp = 0; jp < d; jp++) row[ip * d + jp] = gi * g2[j * d + jp];
                        }
                    }
                if (!cross) continue;
                // The mirrored block rows (l′, i′, j′): contiguous over j, the same expression so bitwise equal.
                for (int ip = 0; ip < d; ip++)
                    for (int jp = 0; jp < d; jp++)
                    {
                        Span<double> row = hessian.Slice(((lp * dd) + ip * d + jp) * N + l * dd, dd);
                        for (int i = 0; i < d; i++)
                        {
                            double gi = g1[i * d + ip], qv = ql[jp * d + i];
                            for (int j = 0; j < d; j++) row[i * d + j] = gi * g2[j * d + jp] + g3[j * d + ip] * qv;
                        }
                    }
            }
        }
    }
}
