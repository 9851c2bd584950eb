namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// The population loss of the one-hidden-layer non-overlapping CNN teacher–student model and its gradients in
/// closed form (SPEC §1.1; Du et al. 2017 for the plain CNN, Liu et al. 2019 for the shortcut student): the scalar
/// reference that the SIMD kernels are tested against. Every member reads like its formula, works on spans and
/// allocates nothing.
/// </summary>
/// <remarks>
/// Everything follows from the arc-cosine kernel of degree 1 (Cho &amp; Saul, "Kernel methods for deep learning",
/// NIPS 2009): for Z ~ N(0, I_p), E[σ(Zᵀx)σ(Zᵀy)] = ‖x‖‖y‖ g(∠(x, y))/(2π) with g(φ) = sin φ + (π − φ) cos φ, and
/// E σ(Zᵀx) = ‖x‖/√(2π). With unit v, v* and independent patches, E[σ(Z_iᵀv)σ(Z_jᵀv*)] is g(φ)/(2π) for i = j and
/// 1/(2π) for i ≠ j, which gives the matrices (π − 1)I + 𝟏𝟏ᵀ (same direction, g(0) = π) and (g(φ) − 1)I + 𝟏𝟏ᵀ
/// below. Conventions: L = E_Z (f − h)² with no ½; v* is a unit vector; the student direction is v = u/‖u‖ with
/// u = e + w for the shortcut student and u = w for the plain CNN.
/// </remarks>
public static class ShortcutCnnClosedForm
{
    /// <summary>g(φ) = sin φ + (π − φ) cos φ: 2π·E[σ(Zᵀx)σ(Zᵀy)] for unit x, y at angle φ (Cho &amp; Saul 2009).</summary>
    public static double G(double phi) => Math.Sin(phi) + (Math.PI - phi) * Math.Cos(phi);

    /// <summary>
    /// π − g(φ) without the cancellation of the subtraction near the optimum φ → 0, where it is ≈ πφ²/2:
    /// π − g(φ) = (π − φ)(1 − cos φ) + (φ − sin φ) = 2(π − φ) sin²(φ/2) + (φ − sin φ), both terms ≥ 0.
    /// The loss at the early-retirement threshold (1e-12, SPEC §1.5) is made of this factor, so it matters there.
    /// </summary>
    public static double PiMinusG(double phi)
    {
        double s = Math.Sin(0.5 * phi);
        return 2 * (Math.PI - phi) * s * s + (phi - Math.Sin(phi));
    }

    /// <summary>
    /// ∠(x, y) ∈ [0, π] by Kahan's formula 2·atan2(‖x̂ − ŷ‖, ‖x̂ + ŷ‖) with x̂ = x/‖x‖, ŷ = y/‖y‖: accurate to a few
    /// ulps at every angle, including φ ≈ 0 and φ ≈ π where acos(x̂ᵀŷ) loses half the digits (acos(1 − ε) ≈ √(2ε)),
    /// and in range by construction (no clamping needed). NaN when either vector is zero or not finite.
    /// </summary>
    public static double Angle(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y must have the same length");
        double invX = 1.0 / Norm(x), invY = 1.0 / Norm(y);
        double minus = 0, plus = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double xi = x[i] * invX, yi = y[i] * invY;
            minus += (xi - yi) * (xi - yi);
            plus += (xi + yi) * (xi + yi);
        }
        return 2 * Math.Atan2(Math.Sqrt(minus), Math.Sqrt(plus));
    }

    /// <summary>
    /// L = (1/2π)(a − a*)ᵀ((π − 1)I + 𝟏𝟏ᵀ)(a − a*) + ((π − g(φ))/π) aᵀa*   (SPEC §1.1), with φ = ∠(v, v*).
    /// </summary>
    public static double Loss(ReadOnlySpan<double> a, ReadOnlySpan<double> aStar, double phi)
    {
        CheckSameLength(a, aStar);
        double d2 = 0, sumD = 0, aDotAStar = 0;
        for (int j = 0; j < a.Length; j++)
        {
            double d = a[j] - aStar[j];
            d2 += d * d;
            sumD += d;
            aDotAStar += a[j] * aStar[j];
        }
        return ((Math.PI - 1) * d2 + sumD * sumD) / (2 * Math.PI) + PiMinusG(phi) / Math.PI * aDotAStar;
    }

    /// <summary>
    /// ∇_a L = (1/π)[((π − 1)I + 𝟏𝟏ᵀ)a − ((g(φ) − 1)I + 𝟏𝟏ᵀ)a*]   (SPEC §1.1). <paramref name="dest"/> may be
    /// <paramref name="a"/> itself.
    /// </summary>
    public static void GradA(ReadOnlySpan<double> a, ReadOnlySpan<double> aStar, double phi, Span<double> dest)
    {
        CheckSameLength(a, aStar);
        if (dest.Length != a.Length) throw new ArgumentException("dest must have length k", nameof(dest));
        double sumA = 0, sumAStar = 0;
        for (int j = 0; j < a.Length; j++) { sumA += a[j]; sumAStar += aStar[j]; }
        double gMinus1 = G(phi) - 1;
        for (int j = 0; j < a.Length; j++)
            dest[j] = ((Math.PI - 1) * a[j] + sumA - (gMinus1 * aStar[j] + sumAStar)) / Math.PI;
    }

    /// <summary>
    /// ∇_w L = −(aᵀa*)(π − φ)/(π‖u‖) · (I − vvᵀ)v*, v = u/‖u‖, φ = ∠(v, v*)   (SPEC §1.1): the chain rule through
    /// ∂L/∂φ = (π − φ) sin φ · aᵀa*/π (from g′(φ) = −(π − φ) sin φ) and ∂φ/∂u = −(I − vvᵀ)v*/(‖u‖ sin φ).
    /// Pass u = e + w for the shortcut student and u = w for the plain CNN: in both, ∂u/∂w = I, so the gradient in w
    /// is the gradient in u. <paramref name="vStar"/> must be a unit vector.
    /// </summary>
    public static void GradW(ReadOnlySpan<double> u, ReadOnlySpan<double> vStar, double aDotAStar, Span<double> dest)
    {
        if (u.Length != vStar.Length) throw new ArgumentException("u and vStar must have the same length p");
        if (dest.Length != u.Length) throw new ArgumentException("dest must have length p", nameof(dest));
        double normU = Norm(u);
        double phi = Angle(u, vStar);
        double cos = 0; // vᵀv*
        for (int i = 0; i < u.Length; i++) cos += u[i] * vStar[i];
        cos /= normU;
        double scale = -aDotAStar * (Math.PI - phi) / (Math.PI * normU);
        for (int i = 0; i < u.Length; i++)
            dest[i] = scale * (vStar[i] - cos * (u[i] / normU));
    }

    /// <summary>
    /// The second critical point (with v = −v*, where g(π) = 0 and (I − vvᵀ)v* = 0):
    /// a_sp = ((π − 1)I + 𝟏𝟏ᵀ)⁻¹(𝟏𝟏ᵀ − I)a* = [π(𝟏ᵀa*)/(k + π − 1) 𝟏 − a*]/(π − 1)   (SPEC §1.1).
    /// <paramref name="aSp"/> may be <paramref name="aStar"/> itself.
    /// </summary>
    public static void SpuriousPoint(ReadOnlySpan<double> aStar, Span<double> aSp)
    {
        if (aSp.Length != aStar.Length) throw new ArgumentException("aSp must have length k", nameof(aSp));
        int k = aStar.Length;
        double sum = 0;
        for (int j = 0; j < k; j++) sum += aStar[j];
        double common = Math.PI * sum / (k + Math.PI - 1);
        for (int j = 0; j < k; j++) aSp[j] = (common - aStar[j]) / (Math.PI - 1);
    }

    /// <summary>
    /// Whether (v = −v*, a_sp) is a local minimum: (𝟏ᵀa*)² &lt; ((k + π − 1)/π)‖a*‖²   (SPEC §1.1). Why: at
    /// a = a_sp the loss along the angle is L_sp − (g(φ)/π) a_spᵀa* with g(π − δ) ≈ δ³/3 ≥ 0, the a-block of the
    /// Hessian is positive definite and the cross terms are O(δ³), so the sign of
    /// a_spᵀa* = [π(𝟏ᵀa*)²/(k + π − 1) − ‖a*‖²]/(π − 1) decides: negative is a minimum, positive a saddle.
    /// </summary>
    public static bool IsSpuriousLocalMinimum(ReadOnlySpan<double> aStar)
    {
        int k = aStar.Length;
        double sum = 0, norm2 = 0;
        for (int j = 0; j < k; j++) { sum += aStar[j]; norm2 += aStar[j] * aStar[j]; }
        return sum * sum < (k + Math.PI - 1) / Math.PI * norm2;
    }

    /// <summary>‖x‖₂ = √(xᵀx). The plain sum of squares on purpose: the operands here are O(1) (w is renormalized
    /// every step) and the vector kernels compute it the same way.</summary>
    public static double Norm(ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * x[i];
        return Math.Sqrt(sum);
    }

    private static void CheckSameLength(ReadOnlySpan<double> a, ReadOnlySpan<double> aStar)
    {
        if (a.Length != aStar.Length) throw new ArgumentException("a and aStar must have the same length k");
    }
}
