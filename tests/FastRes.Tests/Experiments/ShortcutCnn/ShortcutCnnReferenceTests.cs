using FastRes.Experiments;
using FastRes.Experiments.ShortcutCnn;
using FastRes.Kernels.ShortcutCnn;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.ShortcutCnn;

/// <summary>The scalar reference GD of SPEC §1.2 and the outcome rules of SPEC §1.5.</summary>
public class ShortcutCnnReferenceTests
{
    private const int P = 8, K = 4;
    private static readonly ShortcutCnnConfig Defaults = new() { P = P, K = [K] };
    private static readonly StepSizes DefaultSteps = Defaults.ResolveSteps(K);

    private sealed record Teacher(double[] VStar, double[] AStar, double[] A0, double[] SphereW0);

    private static Teacher Draw(long trial, int p = P, int k = K, double capDeg = 60)
    {
        double[] vStar = new double[p], aStar = new double[k], a0 = new double[k], w0 = new double[p];
        ShortcutCnnTrialSetup.Sample(1, trial, new SphericalCap(p, capDeg * Math.PI / 180), vStar, aStar, a0, w0);
        return new Teacher(vStar, aStar, a0, w0);
    }

    private static double[] InitialW(ShortcutCnnMethod method, Teacher t)
    {
        var w = new double[t.VStar.Length];
        ShortcutCnnReference.InitialW(method, t.SphereW0, w);
        return w;
    }

    [Test]
    public void Step_sizes_follow_the_warm_up_schedule()
    {
        var steps = new StepSizes(Eta: 0.1, Eta1: 0.01, WarmupIterations: 5, WarmupC: 2);
        double[] aStar = [1, -2, 2]; // ‖a*‖² = 9
        var (etaW, etaA) = ShortcutCnnReference.StepSizesAt(ShortcutCnnMethod.ResnetSsw, steps, 4, aStar);
        Assert.That(etaW, Is.EqualTo(2 * 9 * 1e-4).Within(1e-18), "Stage I: η_w = C‖a*‖²η₁²");
        Assert.That(etaA, Is.EqualTo(0.01), "Stage I: η_a = η₁");
        Assert.That(ShortcutCnnReference.StepSizesAt(ShortcutCnnMethod.ResnetSsw, steps, 5, aStar), Is.EqualTo((0.1, 0.1)));
        Assert.That(ShortcutCnnReference.StepSizesAt(ShortcutCnnMethod.Resnet, steps, 0, aStar), Is.EqualTo((0.1, 0.1)));
        Assert.That(ShortcutCnnReference.StepSizesAt(ShortcutCnnMethod.Cnn, steps, 0, aStar), Is.EqualTo((0.1, 0.1)));
    }

    [TestCase(ShortcutCnnMethod.Cnn)]
    [TestCase(ShortcutCnnMethod.Resnet)]
    [TestCase(ShortcutCnnMethod.ResnetSsw)]
    public void Step_is_simultaneous_gradient_descent_followed_by_the_methods_projection(ShortcutCnnMethod method)
    {
        var t = Draw(3);
        // A generic point (not the initial one): w off both critical directions, a random.
        double[] w = t.SphereW0.Select(x => 0.3 * x).ToArray(), a = t.A0.Select(x => x + 0.5).ToArray();
        if (method == ShortcutCnnMethod.Cnn) { double n = ShortcutCnnClosedForm.Norm(w); for (int i = 0; i < P; i++) w[i] /= n; }
        var steps = DefaultSteps with { WarmupIterations = 10 };

        // Expected, by hand from the closed forms at the old (w, a).
        double e = method == ShortcutCnnMethod.Cnn ? 0 : 1 / Math.Sqrt(P);
        double[] u = w.Select(x => e + x).ToArray();
        double phi = ShortcutCnnClosedForm.Angle(u, t.VStar);
        double[] gw = new double[P], ga = new double[K];
        ShortcutCnnClosedForm.GradW(u, t.VStar, a.Zip(t.AStar, (x, y) => x * y).Sum(), gw);
        ShortcutCnnClosedForm.GradA(a, t.AStar, phi, ga);
        double etaW = steps.Eta, etaA = steps.Eta;
        if (method == ShortcutCnnMethod.ResnetSsw) { etaA = steps.Eta1; etaW = steps.WarmupC * t.AStar.Sum(x => x * x) * steps.Eta1 * steps.Eta1; }
        double[] wTilde = w.Select((x, i) => x - etaW * gw[i]).ToArray();
        double[] shifted = wTilde.Select(x => e + x).ToArray();
        double norm = ShortcutCnnClosedForm.Norm(shifted);
        double[] wExpected = shifted.Select(x => x / norm - e).ToArray();
        double[] aExpected = a.Select((x, j) => x - etaA * ga[j]).ToArray();

        ShortcutCnnReference.Step(method, steps, 3, t.VStar, t.AStar, w, a);
        Assert.That(w, Is.EqualTo(wExpected).AsCollection.Within(1e-15));
        Assert.That(a, Is.EqualTo(aExpected).AsCollection.Within(1e-15));
        // The projection's invariant: v = u/‖u‖ is already unit, ‖e + w‖ = 1 (shortcut) or ‖w‖ = 1 (plain).
        Assert.That(ShortcutCnnClosedForm.Norm(w.Select(x => e + x).ToArray()), Is.EqualTo(1.0).Within(1e-15));
    }

    [TestCase(ShortcutCnnMethod.Cnn)]
    [TestCase(ShortcutCnnMethod.Resnet)]
    [TestCase(ShortcutCnnMethod.ResnetSsw)]
    public void Global_optimum_is_a_fixed_point(ShortcutCnnMethod method)
    {
        var t = Draw(7);
        double e = method == ShortcutCnnMethod.Cnn ? 0 : 1 / Math.Sqrt(P);
        double[] w0 = t.VStar.Select(x => x - e).ToArray(); // v = v*, ‖u‖ = 1
        double worstLoss = 0;
        var run = ShortcutCnnReference.Run(method, DefaultSteps, 300, 1e-3, retireLoss: 0, checkEvery: 10,
                                           t.VStar, t.AStar, t.AStar, w0, (_, s) => worstLoss = Math.Max(worstLoss, s.Loss));
        Assert.That(run.Outcome, Is.EqualTo(TrialOutcome.Success));
        Assert.That(run.Iterations, Is.EqualTo(300), "retireLoss = 0 never retires");
        Assert.That(run.W, Is.EqualTo(w0).AsCollection.Within(1e-14));
        Assert.That(run.A, Is.EqualTo(t.AStar).AsCollection.Within(1e-14));
        Assert.That(worstLoss, Is.LessThan(1e-28));
    }

    [Test]
    public void Resnet_with_default_steps_learns_cap_teachers()
    {
        // p = 8, k = 4, θ_cap = 60°: the skip-layer prior regime where Liu et al.'s GD succeeds.
        int success = 0;
        const int trials = 10;
        for (long i = 0; i < trials; i++)
        {
            var t = Draw(i);
            var run = ShortcutCnnReference.Run(ShortcutCnnMethod.Resnet, DefaultSteps, Defaults.IterationsFor(K), Defaults.Tol,
                                               Defaults.RetireLoss, checkEvery: 16, t.VStar, t.AStar, t.A0,
                                               InitialW(ShortcutCnnMethod.Resnet, t));
            TestContext.Out.WriteLine($"trial {i}: {run.Outcome} after {run.Iterations}");
            if (run.Outcome == TrialOutcome.Success) success++;
            Assert.That(run.Iterations, Is.LessThanOrEqualTo(Defaults.IterationsFor(K)));
        }
        Assert.That(success, Is.EqualTo(trials));
    }

    [Test]
    public void Plain_cnn_started_at_a_spurious_minimum_stays_in_its_basin_and_at_a_saddle_escapes()
    {
        var t = Draw(11);
        foreach (var (aStar, minimum) in new[] { (new[] { 1.0, -1.0, 1.0, -1.0 }, true), (new[] { 1.0, 1.0, 1.0, 1.0 }, false) })
        {
            Assert.That(ShortcutCnnClosedForm.IsSpuriousLocalMinimum(aStar), Is.EqualTo(minimum));
            var aSp = new double[K];
            ShortcutCnnClosedForm.SpuriousPoint(aStar, aSp);
            // w0 at 0.2 rad from −v*, a0 = a_sp + 0.05 in every coordinate.
            double[] w0 = Rotate(t.VStar.Select(x => -x).ToArray(), t.SphereW0, 0.2);
            double[] a0 = aSp.Select(x => x + 0.05).ToArray();
            var run = ShortcutCnnReference.Run(ShortcutCnnMethod.Cnn, DefaultSteps, Defaults.IterationsFor(K), Defaults.Tol,
                                               Defaults.RetireLoss, checkEvery: 16, t.VStar, aStar, a0, w0);
            double phi = ShortcutCnnClosedForm.Angle(run.W, t.VStar);
            double aGap = ShortcutCnnClosedForm.Norm(run.A.Select((x, j) => x - aSp[j]).ToArray());
            TestContext.Out.WriteLine($"a* = [{string.Join(", ", aStar)}]: {run.Outcome} after {run.Iterations}, π − φ = {Math.PI - phi:E2}, ‖a − a_sp‖ = {aGap:E2}");
            if (minimum)
            {
                Assert.That(run.Outcome, Is.EqualTo(TrialOutcome.Spurious));
                Assert.That(aGap, Is.LessThan(1e-3), "a converged to a_sp");
                Assert.That(Math.PI - phi, Is.LessThan(0.02), "v moved from 0.2 rad to near −v* (slowly: ∇_w ∝ (π − φ) sin φ)");
            }
            else
            {
                Assert.That(run.Outcome, Is.EqualTo(TrialOutcome.Success));
            }
        }
    }

    [TestCase(ShortcutCnnMethod.Cnn)]
    [TestCase(ShortcutCnnMethod.Resnet)]
    [TestCase(ShortcutCnnMethod.ResnetSsw)]
    public void Huge_step_diverges_and_is_not_a_success(ShortcutCnnMethod method)
    {
        var t = Draw(5);
        var steps = DefaultSteps with { Eta = 1e3, Eta1 = 1e3 };
        var run = ShortcutCnnReference.Run(method, steps, Defaults.IterationsFor(K), Defaults.Tol, Defaults.RetireLoss, checkEvery: 16,
                                           t.VStar, t.AStar, t.A0, InitialW(method, t));
        Assert.That(run.Outcome, Is.EqualTo(TrialOutcome.Diverged));
        Assert.That(run.Iterations, Is.LessThan(Defaults.IterationsFor(K)), "retired early");
        Assert.That(run.Iterations % 16, Is.EqualTo(0), "only at a check point");
    }

    [TestCase(ShortcutCnnMethod.Cnn, 1)]
    [TestCase(ShortcutCnnMethod.Resnet, 16)]
    [TestCase(ShortcutCnnMethod.ResnetSsw, 7)]
    [TestCase(ShortcutCnnMethod.ResnetSsw, 5000)]
    public void Iterations_never_exceed_T_and_retirement_happens_only_at_check_points(ShortcutCnnMethod method, int checkEvery)
    {
        const int iterations = 1000;
        var steps = DefaultSteps with { WarmupIterations = 333 };
        for (long i = 0; i < 6; i++)
        {
            var t = Draw(100 + i, capDeg: 90);
            var seen = new List<int>();
            var run = ShortcutCnnReference.Run(method, steps, iterations, 1e-3, retireLoss: 1e-12, checkEvery,
                                               t.VStar, t.AStar, t.A0, InitialW(method, t), (it, _) => seen.Add(it));
            Assert.That(run.Iterations, Is.InRange(1, iterations));
            Assert.That(seen, Is.EqualTo(Enumerable.Range(0, run.Iterations + 1)).AsCollection, "observer sees t = 0..iterations run");
            if (run.Iterations < iterations)
            {
                Assert.That(run.Iterations % checkEvery == 0 || run.Iterations == steps.WarmupIterations, $"retired at {run.Iterations}");
                Assert.That(run.Outcome, Is.EqualTo(TrialOutcome.Success).Or.EqualTo(TrialOutcome.Diverged));
            }
        }
    }

    [Test]
    public void Observer_sees_the_state_quantities()
    {
        var t = Draw(2);
        var method = ShortcutCnnMethod.Resnet;
        var run = ShortcutCnnReference.Run(method, DefaultSteps, 50, 1e-3, 1e-12, 10, t.VStar, t.AStar, t.A0, InitialW(method, t),
            (it, s) =>
            {
                double[] w = s.W.ToArray(), a = s.A.ToArray();
                double[] u = w.Select(x => x + 1 / Math.Sqrt(P)).ToArray();
                double phi = ShortcutCnnClosedForm.Angle(u, t.VStar);
                Assert.That(s.Phi, Is.EqualTo(phi));
                Assert.That(s.Loss, Is.EqualTo(ShortcutCnnClosedForm.Loss(a, t.AStar, phi)));
                Assert.That(s.ADotAStar, Is.EqualTo(a.Zip(t.AStar, (x, y) => x * y).Sum()).Within(1e-14));
                Assert.That(s.AError, Is.EqualTo(ShortcutCnnClosedForm.Norm(a.Select((x, j) => x - t.AStar[j]).ToArray())).Within(1e-14));
                if (it == 0) Assert.That(w, Is.All.EqualTo(0.0), "resnet starts at w = 0");
            });
        Assert.That(run.Iterations, Is.EqualTo(50));
    }

    /// <summary>The unit vector at <paramref name="angle"/> from unit <paramref name="x"/>, towards the part of <paramref name="towards"/> orthogonal to it.</summary>
    private static double[] Rotate(double[] x, double[] towards, double angle)
    {
        double along = x.Zip(towards, (a, b) => a * b).Sum();
        double[] n = towards.Select((b, i) => b - along * x[i]).ToArray();
        double norm = ShortcutCnnClosedForm.Norm(n);
        return x.Select((a, i) => Math.Cos(angle) * a + Math.Sin(angle) * n[i] / norm).ToArray();
    }
}
