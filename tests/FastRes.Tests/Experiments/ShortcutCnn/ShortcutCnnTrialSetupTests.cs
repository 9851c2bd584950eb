using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.ShortcutCnn;

/// <summary>The per-trial randomness of SPEC §1.2–1.3: laws of a_0 and w_0, and reproducibility from (seed, trial).</summary>
public class ShortcutCnnTrialSetupTests
{
    [TestCase(8, 1)]
    [TestCase(8, 3)]
    [TestCase(5, 16)]
    public void Initial_points_follow_their_laws(int p, int k)
    {
        const int trials = 2000;
        var cap = new SphericalCap(p, Math.PI / 3);
        var e = Enumerable.Repeat(1.0 / Math.Sqrt(p), p).ToArray();
        double[] vStar = new double[p], aStar = new double[k], a0 = new double[k], w0 = new double[p];
        var radiusPowers = new double[trials];
        for (int i = 0; i < trials; i++)
        {
            ShortcutCnnTrialSetup.Sample(1, i, cap, vStar, aStar, a0, w0);
            double radius = Math.Abs(aStar.Sum()) / Math.Sqrt(k);
            double r = ShortcutCnnClosedForm.Norm(a0);
            Assert.That(r, Is.LessThanOrEqualTo(radius * (1 + 1e-14)), "a_0 inside the ball of radius |𝟏ᵀa*|/√k");
            Assert.That(ShortcutCnnClosedForm.Norm(w0), Is.EqualTo(1.0).Within(1e-14), "w_0 on the unit sphere");
            Assert.That(ShortcutCnnClosedForm.Angle(vStar, e), Is.LessThanOrEqualTo(Math.PI / 3 + 1e-13), "v* in the cap");
            // Uniform in a k-ball: (‖a_0‖/R)^k is uniform on (0, 1).
            radiusPowers[i] = Math.Pow(r / radius, k);
        }
        Array.Sort(radiusPowers);
        double d = 0;
        for (int i = 0; i < trials; i++)
            d = Math.Max(d, Math.Max((i + 1.0) / trials - radiusPowers[i], radiusPowers[i] - (double)i / trials));
        TestContext.Out.WriteLine($"p={p} k={k}: √n·D of (‖a_0‖/R)^k vs U(0,1) = {Math.Sqrt(trials) * d:F3}");
        Assert.That(Math.Sqrt(trials) * d, Is.LessThan(1.949));
    }

    [Test]
    public void Same_seed_and_trial_give_identical_numbers_and_others_do_not()
    {
        const int p = 8, k = 4;
        var cap = new SphericalCap(p, Math.PI / 3);
        double[] Draw(ulong seed, long trial)
        {
            double[] vStar = new double[p], aStar = new double[k], a0 = new double[k], w0 = new double[p];
            ShortcutCnnTrialSetup.Sample(seed, trial, cap, vStar, aStar, a0, w0);
            return [.. vStar, .. aStar, .. a0, .. w0];
        }
        var first = Draw(5, 123);
        Assert.That(Draw(5, 123), Is.EqualTo(first).AsCollection, "bit-identical");
        Assert.That(Draw(5, 123 + (1L << 32)), Is.Not.EqualTo(first).AsCollection, "the trial's high word counts");
        Assert.That(Draw(5, 124), Is.Not.EqualTo(first).AsCollection);
        Assert.That(Draw(6, 123), Is.Not.EqualTo(first).AsCollection);
        // Different trials share no value at all (not merely one component).
        var other = Draw(5, 124);
        Assert.That(first.Intersect(other), Is.Empty);
    }
}
