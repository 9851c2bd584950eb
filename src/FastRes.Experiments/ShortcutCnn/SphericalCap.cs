using FastRes.Kernels.Random;

namespace FastRes.Experiments.ShortcutCnn;

/// <summary>
/// Uniform distribution on the spherical cap {v ∈ S^{p−1} : ∠(v, e) ≤ θ_cap} around e = 𝟏/√p (SPEC §1.3), sampled
/// directly, not by rejection: the angle ψ = ∠(v, e) has density ∝ sin^{p−2}ψ on [0, θ_cap] (equivalently the
/// cosine t has density ∝ (1−t²)^{(p−3)/2}), drawn by inverting its CDF; then v = cos ψ · e + sin ψ · n with n
/// uniform on the unit sphere of e's orthogonal complement.
/// </summary>
/// <remarks>
/// The CDF S(ψ) = ∫₀^ψ sin^{p−2}s ds is tabulated once per (p, θ_cap) on <see cref="Intervals"/> equal intervals by
/// 8-point Gauss–Legendre quadrature (the integrand is smooth, so each interval is exact to rounding); a sample
/// finds its interval by binary search and solves S(ψ) = u·S(θ_cap) inside it by safeguarded Newton, whose
/// derivative is the density itself. The closed-form recursion for ∫sin^n is avoided on purpose: it cancels
/// catastrophically for small angles and large p.
/// </remarks>
public sealed class SphericalCap
{
    public const int Intervals = 256;

    // 8-point Gauss–Legendre nodes and weights on [−1, 1] (Abramowitz & Stegun, Table 25.4).
    private static readonly double[] GlNodes =
    [
        -0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498,
         0.1834346424956498,  0.5255324099163290,  0.7966664774136267,  0.9602898564975363,
    ];
    private static readonly double[] GlWeights =
    [
        0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620,
        0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763,
    ];

    private readonly double[] _cdf; // _cdf[i] = S(i·h), unnormalized
    private readonly double _h;

    public int P { get; }
    public double CapRadians { get; }
    /// <summary>Exponent n = p − 2 of the angle density sin^n ψ.</summary>
    private int N => P - 2;

    public SphericalCap(int p, double capRadians)
    {
        if (p < 2) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be ≥ 2");
        if (!(capRadians > 0 && capRadians <= Math.PI + 1e-15)) throw new ArgumentOutOfRangeException(nameof(capRadians));
        P = p;
        CapRadians = Math.Min(capRadians, Math.PI);
        _h = CapRadians / Intervals;
        _cdf = new double[Intervals + 1];
        for (int i = 0; i < Intervals; i++)
            _cdf[i + 1] = _cdf[i] + Integral(i * _h, (i + 1) * _h);
    }

    /// <summary>The angle density sin^{p−2}ψ (unnormalized).</summary>
    public double Density(double psi) => N == 0 ? 1.0 : Math.Pow(Math.Sin(psi), N);

    /// <summary>The normalized CDF of the angle, P(ψ' ≤ ψ).</summary>
    public double Cdf(double psi)
    {
        if (psi <= 0) return 0;
        if (psi >= CapRadians) return 1;
        int i = Math.Min((int)(psi / _h), Intervals - 1);
        return (_cdf[i] + Integral(i * _h, psi)) / _cdf[Intervals];
    }

    /// <summary>The angle whose CDF is <paramref name="u"/> ∈ (0, 1).</summary>
    public double SampleAngle(double u)
    {
        double target = u * _cdf[Intervals];
        // Largest i with _cdf[i] ≤ target.
        int lo = 0, hi = Intervals;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) >> 1;
            if (_cdf[mid] <= target) lo = mid; else hi = mid;
        }
        double origin = lo * _h; // rest is measured from here; the bracket [a, b] shrinks, the origin must not move
        double a = origin, b = Math.Min((lo + 1) * _h, CapRadians);
        double rest = target - _cdf[lo];
        double width = _cdf[lo + 1] - _cdf[lo];
        double psi = width > 0 ? a + (b - a) * (rest / width) : 0.5 * (a + b);
        for (int iter = 0; iter < 60; iter++)
        {
            double f = Integral(origin, psi) - rest; // increasing in psi
            if (f > 0) b = Math.Min(b, psi); else a = Math.Max(a, psi);
            double d = Density(psi);
            double next = d > 0 ? psi - f / d : double.NaN;
            // Converged first: at the root f rounds to 0 (or below an ulp of ψ), so next == ψ == a, which the bracket
            // test below would take for "left the bracket" and bisect away from the root, up to the 60-iteration cap.
            if (Math.Abs(next - psi) <= 4e-16 * Math.Max(1.0, psi)) { psi = Math.Clamp(next, a, b); break; }
            if (!(next > a && next < b)) next = 0.5 * (a + b); // Newton left the bracket: bisect
            psi = next;
        }
        return psi;
    }

    /// <summary>
    /// Draws v* from the stream: one uniform for the angle, then p normals for the orthogonal direction.
    /// </summary>
    public void Sample(ref PhiloxStream rng, Span<double> vStar)
    {
        if (vStar.Length != P) throw new ArgumentException($"vStar must have length p = {P}", nameof(vStar));
        double psi = SampleAngle(rng.NextUniform());
        double invSqrtP = 1.0 / Math.Sqrt(P);
        double norm2;
        do
        {
            // A uniform direction in e's orthogonal complement: a Gaussian vector with its e-component removed.
            // Projected twice ("twice is enough", Kahan/Parlett): after one pass the remainder keeps an e-component
            // of order ε·|along|/‖remainder‖, which for p = 2 made ‖v*‖ − 1 reach 5e-13 in 20 000 draws.
            for (int j = 0; j < P; j++) vStar[j] = rng.NextNormal();
            norm2 = 0;
            for (int pass = 0; pass < 2; pass++)
            {
                double along = 0;
                for (int j = 0; j < P; j++) along += vStar[j] * invSqrtP;
                norm2 = 0;
                for (int j = 0; j < P; j++) { vStar[j] -= along * invSqrtP; norm2 += vStar[j] * vStar[j]; }
            }
        } while (norm2 < 1e-300 && P > 1);
        double scale = Math.Sin(psi) / Math.Sqrt(norm2), cos = Math.Cos(psi) * invSqrtP;
        for (int j = 0; j < P; j++) vStar[j] = cos + scale * vStar[j];
    }

    private double Integral(double a, double b)
    {
        if (b <= a) return 0;
        double mid = 0.5 * (a + b), half = 0.5 * (b - a), sum = 0;
        for (int q = 0; q < 8; q++) sum += GlWeights[q] * Density(mid + half * GlNodes[q]);
        return sum * half;
    }
}
