using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.Random;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.ShortcutCnn;

/// <summary>
/// The teacher sampler of SPEC §1.3 against the exact law of the uniform distribution on a cap, computed here
/// independently of <see cref="SphericalCap"/>'s own quadrature: the angle ψ = ∠(v*, e) has density ∝ sin^{p−2}ψ on
/// [0, θ_cap], integrated by adaptive Simpson; the direction orthogonal to e is uniform.
/// </summary>
public class SphericalCapTests
{
    private const int Samples = 20_000;
    // Kolmogorov's limit law: P(√n·D > 2.226) ≈ 2e^{−2·2.226²} = 1e-4 per case (16 cases). A sampler that inverted
    // the CDF wrongly by a few parts in a thousand (as an earlier SampleAngle did) scores 2.9 to 24 here.
    private const double KsCritical = 2.226;

    private static IEnumerable<TestCaseData> Caps()
    {
        foreach (int p in new[] { 2, 3, 8, 50 })
            foreach (double deg in new[] { 10.0, 60.0, 90.0, 180.0 })
                yield return new TestCaseData(p, deg).SetName($"cap p={p} θ={deg}°");
    }

    [TestCaseSource(nameof(Caps))]
    public void Sampled_teachers_are_uniform_on_the_cap(int p, double capDeg)
    {
        double cap = capDeg * Math.PI / 180;
        var sampler = new SphericalCap(p, cap);
        var rng = new PhiloxStream(17, (ulong)(p * 1000 + capDeg), 0);
        var e = Enumerable.Repeat(1.0 / Math.Sqrt(p), p).ToArray();
        var v = new double[p];
        var angles = new double[Samples];
        // Orthogonal part n = (v − (vᵀe)e)/‖·‖: first and second moments against E n = 0, E nnᵀ = (I − eeᵀ)/(p − 1).
        var mean = new Moments(p);
        var second = new Moments(2); // n₀², n₀n₁
        for (int s = 0; s < Samples; s++)
        {
            sampler.Sample(ref rng, v);
            Assert.That(ShortcutCnnClosedForm.Norm(v), Is.EqualTo(1.0).Within(4e-15));
            double psi = ShortcutCnnClosedForm.Angle(v, e);
            Assert.That(psi, Is.LessThanOrEqualTo(cap + 1e-13), "inside the cap");
            angles[s] = psi;
            double along = v.Select((x, i) => x * e[i]).Sum();
            var n = v.Select((x, i) => x - along * e[i]).ToArray();
            double norm = ShortcutCnnClosedForm.Norm(n);
            for (int i = 0; i < p; i++) n[i] /= norm;
            mean.Add(n);
            second.Add([n[0] * n[0], n[0] * n[1]]);
        }

        double d = KolmogorovSmirnov(angles, p, cap);
        TestContext.Out.WriteLine($"p={p} θ={capDeg}°: √n·D = {Math.Sqrt(Samples) * d:F3} (critical {KsCritical}); " +
                                  $"max |mean n|/SE = {mean.MaxZ(new double[p]):F2}; " +
                                  $"second moments /SE = {second.MaxZ([1.0 / p, -1.0 / (p * (p - 1))]):F2}");
        Assert.That(Math.Sqrt(Samples) * d, Is.LessThan(KsCritical), "Kolmogorov–Smirnov against the exact angle law");
        Assert.That(mean.MaxZ(new double[p]), Is.LessThan(5), "the direction orthogonal to e has mean 0");
        Assert.That(second.MaxZ([1.0 / p, -1.0 / (p * (p - 1))]), Is.LessThan(5), "and covariance (I − eeᵀ)/(p − 1)");
    }

    [TestCase(3, 60.0)]
    [TestCase(8, 10.0)]
    [TestCase(50, 180.0)]
    [TestCase(2, 90.0)]
    public void Cdf_matches_the_independent_quadrature_and_SampleAngle_inverts_it(int p, double capDeg)
    {
        double cap = capDeg * Math.PI / 180;
        var sampler = new SphericalCap(p, cap);
        double total = Simpson(p, 0, cap);
        for (int i = 1; i < 50; i++)
        {
            double psi = cap * i / 50;
            Assert.That(sampler.Cdf(psi), Is.EqualTo(Simpson(p, 0, psi) / total).Within(1e-11), $"ψ = {psi}");
        }
        // The inversion: Cdf(SampleAngle(u)) = u to rounding, everywhere including the tails.
        foreach (double u in new[] { 1e-12, 1e-6, 0.001, 0.1, 0.37, 0.5, 0.9, 0.999, 1 - 1e-9 })
            Assert.That(sampler.Cdf(sampler.SampleAngle(u)), Is.EqualTo(u).Within(1e-13 + 1e-12 * u), $"u = {u}");
        for (int i = 1; i < 1000; i++)
            Assert.That(sampler.Cdf(sampler.SampleAngle(i / 1000.0)), Is.EqualTo(i / 1000.0).Within(1e-13));
        if (p == 3) // the oracle itself against the closed form (1 − cos ψ)/(1 − cos θ)
            Assert.That(Simpson(p, 0, cap / 3) / total, Is.EqualTo((1 - Math.Cos(cap / 3)) / (1 - Math.Cos(cap))).Within(1e-12));
    }

    /// <summary>D = sup |F_n − F| for the angles against the exact CDF, accumulated piecewise between sorted samples.</summary>
    private static double KolmogorovSmirnov(double[] angles, int p, double cap)
    {
        var sorted = angles.OrderBy(x => x).ToArray();
        double total = Simpson(p, 0, cap), cumulative = 0, previous = 0, d = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            cumulative += Simpson(p, previous, sorted[i]);
            previous = sorted[i];
            double f = cumulative / total;
            d = Math.Max(d, Math.Max((i + 1.0) / sorted.Length - f, f - (double)i / sorted.Length));
        }
        return d;
    }

    /// <summary>
    /// ∫_a^b sin^{p−2}s ds by adaptive Simpson (Lyness 1969) to a relative 1e-13. The tolerance must be relative:
    /// for p = 50 on a 10° cap the integrand is below 1e-36. A minimum depth keeps a peaked integrand (p = 50 on
    /// [0, π]) from being accepted on its first three points.
    /// </summary>
    private static double Simpson(int p, double a, double b)
    {
        if (b <= a) return 0;
        double F(double s) => Math.Pow(Math.Sin(s), p - 2);
        double fa = F(a), fb = F(b), fm = F(0.5 * (a + b));
        double whole = (b - a) / 6 * (fa + 4 * fm + fb);
        return Refine(F, a, b, fa, fm, fb, whole, 1e-13 * Math.Abs(whole), 0);

        static double Refine(Func<double, double> f, double a, double b, double fa, double fm, double fb, double whole, double eps, int depth)
        {
            double m = 0.5 * (a + b), lm = 0.5 * (a + m), rm = 0.5 * (m + b);
            double flm = f(lm), frm = f(rm);
            double left = (m - a) / 6 * (fa + 4 * flm + fm), right = (b - m) / 6 * (fm + 4 * frm + fb);
            double delta = left + right - whole;
            if (depth >= 50 || (depth >= 4 && Math.Abs(delta) <= 15 * eps)) return left + right + delta / 15;
            return Refine(f, a, m, fa, flm, fm, left, eps / 2, depth + 1) + Refine(f, m, b, fm, frm, fb, right, eps / 2, depth + 1);
        }
    }

    /// <summary>Running means and their standard errors, per component.</summary>
    internal sealed class Moments(int m)
    {
        private readonly double[] _sum = new double[m], _sumSq = new double[m];
        private long _n;

        public void Add(ReadOnlySpan<double> x)
        {
            for (int i = 0; i < m; i++) { _sum[i] += x[i]; _sumSq[i] += x[i] * x[i]; }
            _n++;
        }

        /// <summary>max over components of |mean − expected|/SE (a zero SE counts only an exact mismatch above 1e-12).</summary>
        public double MaxZ(ReadOnlySpan<double> expected)
        {
            double worst = 0;
            for (int i = 0; i < m; i++)
            {
                double mean = _sum[i] / _n;
                double se = Math.Sqrt(Math.Max(_sumSq[i] / _n - mean * mean, 0) / (_n - 1));
                double gap = Math.Abs(mean - expected[i]);
                worst = Math.Max(worst, gap <= 1e-12 ? 0 : gap / se);
            }
            return worst;
        }
    }
}
