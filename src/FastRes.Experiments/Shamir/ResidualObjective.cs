using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// F_θ(w, V) = E ℓ(wᵀ(x + V f_θ(x)); y) for fixed features (Shamir 2018, eq. 2), V is d × k row-major. With
/// ℓ'_i = ∂ℓ/∂p at p_i = wᵀ(x_i + V f_i): ∇_w F = E[ℓ' (x + V f)], ∇_V F = E[ℓ' w fᵀ] = w (E[ℓ' f])ᵀ, so one pass over the
/// samples costs O(n(d + k)) — p_i = wᵀx_i + (Vᵀw)ᵀf_i — and the (w, V) gradient needs no backpropagation through θ.
/// As an <see cref="ISmoothObjective"/> its parameters are one vector (w, vec V), the order of <see cref="Gradient"/>'s
/// (gw, gv) and of <see cref="ResidualHessian"/>.
/// </summary>
public sealed class ResidualObjective : ISmoothObjective
{
    public PredictorData Data { get; }
    public double[] Features { get; }
    public int D => Data.Dimension;
    public int K { get; }
    /// <summary>d + dk: w, then V row by row.</summary>
    public int Size => D + D * K;

    public ResidualObjective(PredictorData data, double[] features, int width)
    {
        if (features.Length != data.Samples * width) throw new ArgumentException("features must be samples × width");
        (Data, Features, K) = (data, features, width);
    }

    /// <summary>Predictions p_i = wᵀ(x_i + V f_i).</summary>
    public void Predictions(ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> p)
    {
        int n = Data.Samples, d = D, k = K;
        Span<double> vtw = k <= 256 ? stackalloc double[k] : new double[k];
        vtw.Clear();
        for (int r = 0; r < d; r++)
            for (int c = 0; c < k; c++) vtw[c] += v[r * k + c] * w[r];
        for (int i = 0; i < n; i++)
            p[i] = Dot.FourPartial(Data.X.AsSpan(i * d, d), w) + Dot.FourPartial(Features.AsSpan(i * k, k), vtw);
    }

    public double Value(ReadOnlySpan<double> w, ReadOnlySpan<double> v)
    {
        var p = new double[Data.Samples];
        Predictions(w, v, p);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += Losses.Value(Data.Loss, p[i], Data.Y[i]);
        return sum / p.Length;
    }

    /// <summary>F and ∇F: <paramref name="gw"/> (d) and <paramref name="gv"/> (d × k, row-major, vec order of V).</summary>
    public double Gradient(ReadOnlySpan<double> w, ReadOnlySpan<double> v, Span<double> gw, Span<double> gv)
    {
        int n = Data.Samples, d = D, k = K;
        var p = new double[n];
        Predictions(w, v, p);
        Span<double> slopeF = k <= 256 ? stackalloc double[k] : new double[k]; // E[ℓ' f]
        slopeF.Clear();
        gw.Clear();
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double y = Data.Y[i];
            sum += Losses.Value(Data.Loss, p[i], y);
            double s = Losses.Slope(Data.Loss, p[i], y) / n;
            var x = Data.X.AsSpan(i * d, d);
            var f = Features.AsSpan(i * k, k);
            for (int j = 0; j < d; j++) gw[j] += s * x[j];
            for (int c = 0; c < k; c++) slopeF[c] += s * f[c];
        }
        for (int r = 0; r < d; r++)
        {
            gw[r] += Dot.FourPartial(v.Slice(r * k, k), slopeF); // E[ℓ' V f]
            for (int c = 0; c < k; c++) gv[r * k + c] = w[r] * slopeF[c];
        }
        return sum / n;
    }

    /// <summary>Lemma 1's right-hand form of the inner product: E[ℓ'(p)·(wᵀ(x + V f_θ(x)) − w*ᵀx)].</summary>
    public double LemmaExpectation(ReadOnlySpan<double> w, ReadOnlySpan<double> v, ReadOnlySpan<double> wStar)
    {
        int n = Data.Samples, d = D;
        var p = new double[n];
        Predictions(w, v, p);
        double sum = 0;
        for (int i = 0; i < n; i++)
            sum += Losses.Slope(Data.Loss, p[i], Data.Y[i]) * (p[i] - Dot.FourPartial(Data.X.AsSpan(i * d, d), wStar));
        return sum / n;
    }

    /// <summary>
    /// Lemma 1's direction G = (w − w*; w(w*)ᵀV/‖w‖²) as one vector in the order (w, vec V), matching
    /// <see cref="Gradient"/>'s (gw, gv).
    /// </summary>
    public void LemmaDirection(ReadOnlySpan<double> w, ReadOnlySpan<double> v, ReadOnlySpan<double> wStar, Span<double> gw, Span<double> gv)
    {
        int d = D, k = K;
        double ww = Dot.FourPartial(w, w);
        Span<double> wsV = k <= 256 ? stackalloc double[k] : new double[k]; // (w*)ᵀV
        wsV.Clear();
        for (int r = 0; r < d; r++)
            for (int c = 0; c < k; c++) wsV[c] += wStar[r] * v[r * k + c];
        for (int r = 0; r < d; r++)
        {
            gw[r] = w[r] - wStar[r];
            for (int c = 0; c < k; c++) gv[r * k + c] = w[r] * wsV[c] / ww;
        }
    }

    double ISmoothObjective.Value(ReadOnlySpan<double> x) => Value(x[..D], x[D..]);

    double ISmoothObjective.Gradient(ReadOnlySpan<double> x, Span<double> gradient) => Gradient(x[..D], x[D..], gradient[..D], gradient[D..]);

    void ISmoothObjective.Hessian(ReadOnlySpan<double> x, Span<double> hessian) => ResidualHessian.Compute(this, x[..D], x[D..], hessian);

    /// <summary>‖g_w‖² + ‖g_V‖², each block by <see cref="Dot.FourPartial"/>: the order shamir-lemma1 and
    /// shamir-local-minima have always summed ‖∇F_θ‖² in.</summary>
    public double SquaredNorm(ReadOnlySpan<double> g) => Dot.FourPartial(g[..D], g[..D]) + Dot.FourPartial(g[D..], g[D..]);
}
