using FastRes.Kernels.Random;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;
using static FastRes.Kernels.ShortcutCnn.ShortcutCnnClosedForm;

namespace FastRes.Tests.Kernels.ShortcutCnn;

/// <summary>
/// Checks the closed forms of SPEC §1.1 independently of their derivation: against Monte Carlo over sampled Z with the
/// network written literally, against central finite differences of the loss, and at the two critical points
/// (global optimum, spurious point) including both sides of the local-minimum condition.
/// </summary>
public class ShortcutCnnClosedFormTests
{
    private const ulong Seed = 20190601;

    // ---------------------------------------------------------------- elementary pieces

    [Test]
    public void G_has_its_known_values_and_PiMinusG_is_pi_minus_G_without_cancellation()
    {
        Assert.That(G(0), Is.EqualTo(Math.PI).Within(1e-15));
        Assert.That(G(Math.PI / 2), Is.EqualTo(1.0).Within(1e-15));
        Assert.That(G(Math.PI), Is.EqualTo(0.0).Within(1e-15));
        for (double phi = 0.05; phi < Math.PI; phi += 0.05)
            Assert.That(PiMinusG(phi), Is.EqualTo(Math.PI - G(phi)).Within(2e-15), $"phi = {phi}");
        // Near the optimum π − g(φ) = πφ²/2 − φ³/3 + O(φ⁴): the subtraction π − G would keep only ~4 digits here.
        foreach (double phi in new[] { 1e-3, 1e-6, 1e-9 })
        {
            double series = Math.PI * phi * phi / 2 - phi * phi * phi / 3;
            // Truncation πφ⁴/24 of the series, plus the rounding of φ − sin φ (a few ulps of φ).
            double tol = series * phi * phi / 6 + 4 * double.Epsilon + 4 * 2.2e-16 * phi;
            Assert.That(PiMinusG(phi), Is.EqualTo(series).Within(tol), $"phi = {phi}");
        }
    }

    [Test]
    public void Angle_is_accurate_at_every_angle_and_NaN_for_a_zero_vector()
    {
        var rng = new PhiloxStream(Seed, 0, 0);
        Span<double> x = stackalloc double[5], y = stackalloc double[5];
        for (int r = 0; r < 200; r++)
        {
            rng.FillNormal(x); rng.FillNormal(y);
            double cos = Dot(x, y) / (Norm(x) * Norm(y));
            // acos is well conditioned away from ±1; elsewhere the test below covers the ends.
            if (Math.Abs(cos) < 0.9) Assert.That(Angle(x, y), Is.EqualTo(Math.Acos(cos)).Within(1e-14));
        }
        // Tiny angles either side of 0 and π, where acos(x̂ᵀŷ) would return 0 or π.
        double[] e1 = [3, 0], near = [1, 1e-10], anti = [-2, 5e-11];
        Assert.That(Angle(e1, near), Is.EqualTo(1e-10).Within(1e-24));
        Assert.That(Math.PI - Angle(e1, anti), Is.EqualTo(2.5e-11).Within(1e-24 + 4.5e-16));
        Assert.That(Angle(e1, e1), Is.EqualTo(0.0));
        Assert.That(double.IsNaN(Angle([0.0, 0.0], e1)));
        Assert.That(double.IsNaN(Angle([double.PositiveInfinity, 0.0], e1)));
    }

    // ---------------------------------------------------------------- Monte Carlo over Z

    /// <summary>A random point (teacher, student) of the model, the student shortcut or plain.</summary>
    private sealed record Point(int P, int K, bool Shortcut, double[] VStar, double[] AStar, double[] W, double[] A)
    {
        public double[] U
        {
            get
            {
                double e = Shortcut ? 1.0 / Math.Sqrt(P) : 0.0;
                return W.Select(wi => e + wi).ToArray();
            }
        }
        public double Phi => Angle(U, VStar);
        public double LossCf => Loss(A, AStar, Phi);
        public double[] GradACf { get { var g = new double[K]; GradA(A, AStar, Phi, g); return g; } }
        public double[] GradWCf { get { var g = new double[P]; GradW(U, VStar, Dot(A, AStar), g); return g; } }

        public static Point Random(int p, int k, bool shortcut, ulong trial)
        {
            var rng = new PhiloxStream(Seed, trial, 7);
            var vStar = Normal(ref rng, p, 1.0); Normalize(vStar);
            var aStar = Normal(ref rng, k, 1.0);
            var w = Normal(ref rng, p, shortcut ? 0.4 : 1.0);
            var a = Normal(ref rng, k, 1.0);
            return new Point(p, k, shortcut, vStar, aStar, w, a);
        }
    }

    private static IEnumerable<TestCaseData> MonteCarloCases()
    {
        yield return new TestCaseData(8, 4, true, 1UL).SetName("MC shortcut p=8 k=4");
        yield return new TestCaseData(5, 3, true, 2UL).SetName("MC shortcut p=5 k=3");
        yield return new TestCaseData(3, 5, false, 3UL).SetName("MC plain p=3 k=5");
        yield return new TestCaseData(6, 2, false, 4UL).SetName("MC plain p=6 k=2");
    }

    [TestCaseSource(nameof(MonteCarloCases))]
    public void Loss_and_gradients_match_Monte_Carlo_over_Z(int p, int k, bool shortcut, ulong trial)
    {
        const int n = 200_000;
        var pt = Point.Random(p, k, shortcut, trial);
        double[] u = pt.U, v = u.ToArray();
        double normU = Norm(u);
        Normalize(v);

        // Per-sample values: loss (f − h)², ∇_a = 2(h − f)σ(Z_jᵀv), ∇_w = 2(h − f) Σ_j a_j 1[Z_jᵀv > 0](I − vvᵀ)Z_j/‖u‖.
        int m = 1 + k + p;
        var sum = new double[m];
        var sumSq = new double[m];
        var sample = new double[m];
        var z = new double[k * p];
        var rng = new PhiloxStream(Seed, trial, 99);
        for (int s = 0; s < n; s++)
        {
            rng.FillNormal(z);
            double f = 0, h = 0;
            Array.Clear(sample);
            for (int j = 0; j < k; j++)
            {
                var zj = z.AsSpan(j * p, p);
                f += pt.AStar[j] * Relu(Dot(zj, pt.VStar));
                h += pt.A[j] * Relu(Dot(zj, v));
            }
            double r = h - f;
            sample[0] = r * r;
            for (int j = 0; j < k; j++)
            {
                var zj = z.AsSpan(j * p, p);
                double zv = Dot(zj, v);
                sample[1 + j] = 2 * r * Relu(zv);
                if (zv > 0)
                    for (int i = 0; i < p; i++) sample[1 + k + i] += 2 * r * pt.A[j] * (zj[i] - zv * v[i]) / normU;
            }
            for (int q = 0; q < m; q++) { sum[q] += sample[q]; sumSq[q] += sample[q] * sample[q]; }
        }

        double[] closed = [pt.LossCf, .. pt.GradACf, .. pt.GradWCf];
        double worst = 0;
        for (int q = 0; q < m; q++)
        {
            double mean = sum[q] / n;
            double se = Math.Sqrt(Math.Max(sumSq[q] / n - mean * mean, 0) / (n - 1));
            double z5 = Math.Abs(mean - closed[q]) / se;
            worst = Math.Max(worst, z5);
            string what = q == 0 ? "loss" : q <= k ? $"∇a[{q - 1}]" : $"∇w[{q - 1 - k}]";
            Assert.That(Math.Abs(mean - closed[q]), Is.LessThanOrEqualTo(5 * se + 1e-12),
                $"{what}: MC {mean} ± {se}, closed form {closed[q]}");
        }
        TestContext.Out.WriteLine($"p={p} k={k} shortcut={shortcut} φ={pt.Phi:F3}: max |MC − CF|/SE = {worst:F2} over {m} quantities");
    }

    // ---------------------------------------------------------------- finite differences

    private static IEnumerable<TestCaseData> FiniteDifferenceCases()
    {
        foreach (bool shortcut in new[] { true, false })
            foreach (var (p, k, trial) in new[] { (8, 4, 11UL), (2, 1, 12UL), (13, 7, 13UL), (4, 16, 14UL) })
                yield return new TestCaseData(p, k, shortcut, trial).SetName($"FD {(shortcut ? "shortcut" : "plain")} p={p} k={k}");
    }

    [TestCaseSource(nameof(FiniteDifferenceCases))]
    public void Gradients_match_central_differences_of_the_loss(int p, int k, bool shortcut, ulong trial)
    {
        const double h = 1e-6;
        var pt = Point.Random(p, k, shortcut, trial);
        // The loss as a function of (w, a), φ recomputed from w: the w-difference goes through the normalization.
        double LossAt(double[] w, double[] a) => (pt with { W = w, A = a }).LossCf;

        double[] fd = new double[k + p];
        for (int j = 0; j < k; j++)
        {
            double[] ap = pt.A.ToArray(), am = pt.A.ToArray();
            ap[j] += h; am[j] -= h;
            fd[j] = (LossAt(pt.W, ap) - LossAt(pt.W, am)) / (2 * h);
        }
        for (int i = 0; i < p; i++)
        {
            double[] wp = pt.W.ToArray(), wm = pt.W.ToArray();
            wp[i] += h; wm[i] -= h;
            fd[k + i] = (LossAt(wp, pt.A) - LossAt(wm, pt.A)) / (2 * h);
        }
        double[] closed = [.. pt.GradACf, .. pt.GradWCf];
        double scale = closed.Max(Math.Abs);
        double worst = 0;
        for (int q = 0; q < k + p; q++)
        {
            double rel = Math.Abs(fd[q] - closed[q]) / scale;
            worst = Math.Max(worst, rel);
            Assert.That(rel, Is.LessThanOrEqualTo(1e-7), $"{(q < k ? $"∇a[{q}]" : $"∇w[{q - k}]")}: FD {fd[q]}, closed form {closed[q]}");
        }
        TestContext.Out.WriteLine($"p={p} k={k} shortcut={shortcut} φ={pt.Phi:F3}: max |FD − CF|/‖∇‖∞ = {worst:E2}");
    }

    // ---------------------------------------------------------------- critical points

    [TestCase(true)]
    [TestCase(false)]
    public void Global_optimum_has_zero_loss_and_zero_gradients(bool shortcut)
    {
        for (ulong trial = 0; trial < 10; trial++)
        {
            var pt = Point.Random(3 + (int)trial, 1 + (int)trial, shortcut, 100 + trial);
            double e = shortcut ? 1.0 / Math.Sqrt(pt.P) : 0.0;
            // v = v*: u = c·v* with c = 1.3, i.e. w = c·v* − e (shortcut) or w = c·v* (plain).
            var opt = pt with { W = pt.VStar.Select(x => 1.3 * x - e).ToArray(), A = pt.AStar.ToArray() };
            Assert.That(opt.Phi, Is.LessThan(1e-15));
            Assert.That(opt.LossCf, Is.LessThan(1e-28));
            Assert.That(opt.GradACf.Max(Math.Abs), Is.LessThan(1e-14));
            Assert.That(opt.GradWCf.Max(Math.Abs), Is.LessThan(1e-14));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Spurious_point_solves_its_linear_system_and_is_stationary(bool shortcut)
    {
        for (ulong trial = 0; trial < 10; trial++)
        {
            var pt = Point.Random(2 + (int)trial, 1 + (int)trial, shortcut, 200 + trial);
            var sp = AtSpuriousPoint(pt);
            int k = pt.K;
            // ((π − 1)I + 𝟏𝟏ᵀ)a_sp = (𝟏𝟏ᵀ − I)a*, checked as a residual.
            double sumSp = sp.A.Sum(), sumStar = pt.AStar.Sum();
            for (int j = 0; j < k; j++)
                Assert.That((Math.PI - 1) * sp.A[j] + sumSp, Is.EqualTo(sumStar - pt.AStar[j]).Within(1e-13));
            Assert.That(sp.Phi, Is.EqualTo(Math.PI).Within(1e-15));
            Assert.That(sp.GradACf.Max(Math.Abs), Is.LessThan(1e-12));
            Assert.That(sp.GradWCf.Max(Math.Abs), Is.LessThan(1e-12));
        }
    }

    /// <summary>v = −v* (u = −1.3·v*) and a = a_sp, for the same teacher.</summary>
    private static Point AtSpuriousPoint(Point pt)
    {
        double e = pt.Shortcut ? 1.0 / Math.Sqrt(pt.P) : 0.0;
        var aSp = new double[pt.K];
        SpuriousPoint(pt.AStar, aSp);
        return pt with { W = pt.VStar.Select(x => -1.3 * x - e).ToArray(), A = aSp };
    }

    // Teachers chosen on purpose. Minima: 𝟏ᵀa* = 0 (any k), and k = 3 with (𝟏ᵀa*)² = 2.25 < 1.6366·5.25 = 8.59.
    // Saddles: a* = 𝟏 has (𝟏ᵀa*)² = k² > k(k + π − 1)/π ⇔ (π − 1)k > π − 1 ⇔ k > 1 (k = 1 is exactly on the boundary,
    // where a_sp = 0); and k = 3 with 36 > 1.6366·14 = 22.9.
    private static IEnumerable<TestCaseData> DeliberateTeachers()
    {
        yield return new TestCaseData(new[] { 1.0, -1.0, 1.0, -1.0 }, true).SetName("minimum a*=(1,-1,1,-1)");
        yield return new TestCaseData(new[] { 2.0, -1.0, 0.5 }, true).SetName("minimum a*=(2,-1,0.5)");
        yield return new TestCaseData(new[] { 0.3, -2.0, 0.7, 1.1, -0.1 }, true).SetName("minimum a* sum 0");
        yield return new TestCaseData(new[] { 1.0, 1.0 }, false).SetName("saddle a*=1 k=2");
        yield return new TestCaseData(Enumerable.Repeat(1.0, 8).ToArray(), false).SetName("saddle a*=1 k=8");
        yield return new TestCaseData(new[] { 3.0, 1.0, 2.0 }, false).SetName("saddle a*=(3,1,2)");
    }

    [TestCaseSource(nameof(DeliberateTeachers))]
    public void Local_minimum_condition_separates_minima_from_saddles(double[] aStar, bool minimum)
    {
        Assert.That(IsSpuriousLocalMinimum(aStar), Is.EqualTo(minimum), "the deliberate teacher is on the side intended");
        foreach (bool shortcut in new[] { true, false })
            CheckSpuriousPoint(7, aStar, shortcut, minimum, directions: 300, radii: [1e-2, 1e-4], trial: 300);
    }

    [Test]
    public void Local_minimum_condition_holds_for_random_teachers()
    {
        var rng = new PhiloxStream(Seed, 400, 0);
        int minima = 0, saddles = 0;
        for (ulong trial = 0; trial < 40; trial++)
        {
            int k = 2 + (int)(rng.NextUniform() * 4); // 2..5: both sides are common
            var aStar = Normal(ref rng, k, 1.0);
            bool minimum = IsSpuriousLocalMinimum(aStar);
            if (minimum) minima++; else saddles++;
            CheckSpuriousPoint(5, aStar, shortcut: trial % 2 == 0, minimum, directions: 60, radii: [1e-2], trial: 500 + trial);
        }
        TestContext.Out.WriteLine($"random teachers: {minima} minima, {saddles} saddles");
        Assert.That(minima, Is.GreaterThan(0));
        Assert.That(saddles, Is.GreaterThan(0));
    }

    /// <summary>
    /// At (v = −v*, a_sp): for a minimum, no perturbation of (w, a) of the given radii lowers the loss — random joint
    /// directions, pure-a and pure-w ones. For a saddle, a descent direction exists and is found: moving w alone off
    /// −v* (a = a_sp) lowers the loss, because the loss along the angle is L_sp − g(φ)a_spᵀa*/π with g &gt; 0 on [0, π)
    /// and a_spᵀa* &gt; 0 exactly when the condition fails; the a-block of the Hessian, (π − 1)I + 𝟏𝟏ᵀ over π, is
    /// positive definite, so random joint directions (whose a-part raises the loss at second order while the angle
    /// lowers it at third) would almost never show it.
    /// </summary>
    private static void CheckSpuriousPoint(int p, double[] aStar, bool shortcut, bool minimum, int directions, double[] radii, ulong trial)
    {
        int k = aStar.Length;
        var rng = new PhiloxStream(Seed, trial, 1);
        var vStar = Normal(ref rng, p, 1.0); Normalize(vStar);
        var sp = AtSpuriousPoint(new Point(p, k, shortcut, vStar, aStar, new double[p], new double[k]));
        double lossSp = sp.LossCf;
        double roundoff = 8 * double.Epsilon + 1e-15 * Math.Abs(lossSp);
        double minChange = double.PositiveInfinity, maxChange = double.NegativeInfinity;
        foreach (double radius in radii)
        {
            for (int d = 0; d < directions; d++)
            {
                int kind = d % 3; // 0: joint, 1: a only, 2: w only
                var dw = kind == 1 ? new double[p] : Normal(ref rng, p, 1.0);
                var da = kind == 2 ? new double[k] : Normal(ref rng, k, 1.0);
                double norm = Math.Sqrt(Dot(dw, dw) + Dot(da, da));
                var moved = sp with
                {
                    W = sp.W.Select((x, i) => x + radius * dw[i] / norm).ToArray(),
                    A = sp.A.Select((x, j) => x + radius * da[j] / norm).ToArray(),
                };
                double change = moved.LossCf - lossSp;
                if (minimum) Assert.That(change, Is.GreaterThan(roundoff), $"a* = [{string.Join(", ", aStar)}], radius {radius}, direction {d}");
                minChange = Math.Min(minChange, change / radius / radius / radius);
                maxChange = Math.Max(maxChange, change);
            }
            if (!minimum)
            {
                // The descent direction: w off −v*, a kept at a_sp.
                int found = 0;
                for (int d = 0; d < directions; d++)
                {
                    var dw = Normal(ref rng, p, 1.0);
                    double norm = Math.Sqrt(Dot(dw, dw));
                    var moved = sp with { W = sp.W.Select((x, i) => x + radius * dw[i] / norm).ToArray() };
                    if (moved.LossCf - lossSp < -roundoff) found++;
                }
                Assert.That(found, Is.EqualTo(directions), $"a* = [{string.Join(", ", aStar)}], radius {radius}: every w-only direction descends");
            }
        }
        TestContext.Out.WriteLine($"a*=[{string.Join(", ", aStar.Select(x => x.ToString("F2")))}] shortcut={shortcut} minimum={minimum}: " +
                                  $"min ΔL/r³ = {minChange:E2}, a_spᵀa* = {Dot(sp.A, aStar):F3}");
    }

    // ---------------------------------------------------------------- helpers

    internal static double Relu(double x) => x > 0 ? x : 0;

    internal static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    internal static void Normalize(Span<double> x)
    {
        double n = Norm(x);
        for (int i = 0; i < x.Length; i++) x[i] /= n;
    }

    internal static double[] Normal(ref PhiloxStream rng, int n, double scale)
    {
        var x = new double[n];
        rng.FillNormal(x);
        for (int i = 0; i < n; i++) x[i] *= scale;
        return x;
    }
}
