using FastRes.Experiments.Predictors;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Shamir;

/// <summary>The exact Hessian of F_θ in (w, vec V), for Theorem 2 (Shamir 2018).</summary>
public static class ResidualHessian
{
    /// <summary>
    /// ∇²F_θ(w, V) in the order (w, vec V) (V row-major), P = d + dk. With p = wᵀu, u = x + Vf: ∇p = (u; w ⊗ f) and
    /// the only second derivative of p is ∂²p/∂w_r∂V_sc = δ_rs f_c, so
    /// H = E[ℓ''·∇p∇pᵀ] + E[ℓ'·∇²p]: H_ww = E[ℓ''uuᵀ], H_w,Vsc = E[ℓ''u_r w_s f_c] + δ_rs E[ℓ' f_c], H_VV = E[ℓ'' (w⊗f)(w⊗f)ᵀ].
    /// At w = 0: H_VV = 0 and H_wV = I ⊗ E[ℓ'(0) f]ᵀ, so λ_min ≤ 0 (Theorem 2). Costs O(n P²); P is small here.
    /// </summary>
    /// <param name="cancellationToken">Polled every 64 samples (P ≈ dk reaches thousands at the widest settings).</param>
    public static void Compute(ResidualObjective objective, ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> hessian,
        CancellationToken cancellationToken = default)
    {
        var data = objective.Data;
        int n = data.Samples, d = objective.D, k = objective.K, size = d + d * k;
        hessian.Clear();
        var p = new double[n];
        objective.Predictions(w, v, p);
        var grad = new double[size];
        var slopeF = new double[k];
        for (int i = 0; i < n; i++)
        {
            if ((i & 63) == 0) cancellationToken.ThrowIfCancellationRequested();
            var x = data.X.AsSpan(i * d, d);
            var f = objective.Features.AsSpan(i * k, k);
            for (int r = 0; r < d; r++)
            {
                double vf = Dot.FourPartial(v.Slice(r * k, k), f);
                grad[r] = x[r] + vf;
                for (int c = 0; c < k; c++) grad[d + r * k + c] = w[r] * f[c];
            }
            double curvature = Losses.Curvature(data.Loss, p[i], data.Y[i]) / n;
            double slope = Losses.Slope(data.Loss, p[i], data.Y[i]) / n;
            for (int c = 0; c < k; c++) slopeF[c] += slope * f[c];
            if (curvature == 0) continue;
            for (int a = 0; a < size; a++)
            {
                double ga = curvature * grad[a];
                if (ga == 0) continue;
                var row = hessian.Slice(a * size, size);
                for (int b = 0; b <= a; b++) row[b] += ga * grad[b];
            }
        }
        for (int a = 0; a < size; a++)
            for (int b = 0; b < a; b++) hessian[b * size + a] = hessian[a * size + b];
        for (int r = 0; r < d; r++)
            for (int c = 0; c < k; c++)
            {
                int col = d + r * k + c;
                hessian[r * size + col] += slopeF[c];
                hessian[col * size + r] += slopeF[c];
            }
    }
}
