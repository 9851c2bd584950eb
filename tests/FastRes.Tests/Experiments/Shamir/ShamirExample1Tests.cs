using FastRes.Experiments;
using FastRes.Experiments.Shamir;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>Example 1 and Figure 1 of Shamir 2018: derivatives against differences, critical points against brute force.</summary>
public class ShamirExample1Tests
{
    private static readonly ShamirExample1Result Result = ShamirExample1.Run(new ShamirExample1Config());

    [TestCase(0.0)]
    [TestCase(0.25)]
    [TestCase(1.5)]
    public void Figure_objective_derivatives_match_central_differences(double c)
    {
        var f = new FigureObjective(c);
        var rng = new Random(7);
        for (int k = 0; k < 50; k++)
        {
            double w = 6 * rng.NextDouble() - 3, v = 6 * rng.NextDouble() - 3, h = 1e-6;
            var (gw, gv) = f.Gradient(w, v);
            Assert.That(gw, Is.EqualTo((f.Value(w + h, v) - f.Value(w - h, v)) / (2 * h)).Within(1e-6 * (1 + Math.Abs(gw))));
            Assert.That(gv, Is.EqualTo((f.Value(w, v + h) - f.Value(w, v - h)) / (2 * h)).Within(1e-6 * (1 + Math.Abs(gv))));
            var (hww, hwv, hvv) = f.Hessian(w, v);
            Assert.That(hww, Is.EqualTo((f.Gradient(w + h, v).Gw - f.Gradient(w - h, v).Gw) / (2 * h)).Within(1e-5 * (1 + Math.Abs(hww))));
            Assert.That(hwv, Is.EqualTo((f.Gradient(w, v + h).Gw - f.Gradient(w, v - h).Gw) / (2 * h)).Within(1e-5 * (1 + Math.Abs(hwv))));
            Assert.That(hvv, Is.EqualTo((f.Gradient(w, v + h).Gv - f.Gradient(w, v - h).Gv) / (2 * h)).Within(1e-5 * (1 + Math.Abs(hvv))));
        }
    }

    [TestCase(1.0)]
    [TestCase(0.1)]
    [TestCase(1e-3)]
    public void Text_stationary_point_is_a_flat_saddle_above_the_linear_optimum(double epsilon)
    {
        var t = ShamirExample1.TextCase(epsilon, 1e-12);
        Assert.Multiple(() =>
        {
            Assert.That(t.Holds, Is.True);
            Assert.That(t.V, Is.EqualTo(-1 / epsilon));
            Assert.That(t.Value, Is.EqualTo(0.5).Within(1e-15));
            Assert.That(t.LambdaMin, Is.EqualTo(-epsilon).Within(1e-6 * epsilon));
            Assert.That(t.LambdaMax, Is.EqualTo(epsilon).Within(1e-6 * epsilon));
            Assert.That(new TextObjective(epsilon).Value(1, 0), Is.EqualTo(0), "F_lin(1) = F(1, 0) = 0");
        });
    }

    [Test]
    public void Panel_b_has_exactly_the_three_critical_points_of_spec_section_3()
    {
        var b = Result.Points.Where(p => p.Panel == "b").OrderBy(p => p.W).ToList();
        Assert.That(b.Select(p => p.Kind), Is.EqualTo(new[] { "min", "saddle", "min" }));
        Assert.Multiple(() =>
        {
            Assert.That(b[0].W, Is.EqualTo(-0.98).Within(0.005)); Assert.That(b[0].V, Is.EqualTo(-1.60).Within(0.005));
            Assert.That(b[1].W, Is.EqualTo(-0.27).Within(0.005)); Assert.That(b[1].V, Is.EqualTo(-1.07).Within(0.005));
            Assert.That(b[2].W, Is.EqualTo(0.66).Within(0.005)); Assert.That(b[2].V, Is.EqualTo(0.33).Within(0.005));
            Assert.That(b[0].Spurious, Is.True);
            Assert.That(b[0].Value, Is.GreaterThan(b[2].Value + 0.5));
            var f = new FigureObjective(0.25);
            foreach (var p in b)
            {
                var (gw, gv) = f.Gradient(p.W, p.V);
                Assert.That(Math.Sqrt(gw * gw + gv * gv), Is.LessThan(1e-10));
            }
        });
        // Brute force, independent of the Hessian: the spurious point is the lowest on a small disc around it.
        Assert.That(MinAround(new FigureObjective(0.25), b[0].W, b[0].V, 0.05, radius: null), Is.GreaterThanOrEqualTo(b[0].Value - 1e-14));
        Assert.That(MinAround(new FigureObjective(0.25), b[1].W, b[1].V, 0.05, radius: null), Is.LessThan(b[1].Value - 1e-6), "a saddle has lower neighbours");
    }

    [Test]
    public void Panel_c_spurious_minimum_is_on_the_circle_and_a_constrained_local_minimum()
    {
        var spurious = Result.Points.Single(p => p.Panel == "c" && p.Spurious);
        Assert.Multiple(() =>
        {
            Assert.That(spurious.Kind, Is.EqualTo("boundary-min"));
            Assert.That(Math.Sqrt(spurious.W * spurious.W + spurious.V * spurious.V), Is.EqualTo(2).Within(1e-12));
            Assert.That(spurious.W, Is.LessThan(0)); Assert.That(spurious.V, Is.LessThan(0));
            Assert.That(spurious.Multiplier, Is.GreaterThan(0));
            Assert.That(spurious.Value, Is.GreaterThan(0.01));
        });
        Assert.That(MinAround(new FigureObjective(0), spurious.W, spurious.V, 0.05, radius: 2), Is.GreaterThanOrEqualTo(spurious.Value - 1e-12));
    }

    [Test]
    public void Panel_a_has_one_saddle_and_every_other_start_ends_on_the_valley()
    {
        var a = Result.Points.Where(p => p.Panel == "a").ToList();
        Assert.That(a, Has.Count.EqualTo(1));
        Assert.That(a[0].Kind, Is.EqualTo("saddle"));
        Assert.That(a[0].Lambda1, Is.EqualTo(-2).Within(1e-9));
        Assert.That(Result.ValleyStarts, Is.GreaterThan(1000));
        Assert.That(Result.Violations, Is.EqualTo(0), string.Join("\n", Result.Claims.Where(c => !c.Holds).Select(c => c.Claim + ": " + c.Detail)));
    }

    [Test]
    public void A_claim_that_is_false_is_reported_as_a_violation()
    {
        // With a tiny regularization the valley is barely tilted: the minimum near (−1, −1.6) moves away, so the
        // paper's (−1, −1.6) claim (made for c = ¼) must fail rather than pass vacuously.
        var r = ShamirExample1.Run(new ShamirExample1Config { Regularization = 2, Grid = 21 });
        Assert.That(r.Claims.Single(c => c.Claim.StartsWith("(b) F + ¼")).Holds, Is.False);
        Assert.That(r.Violations, Is.GreaterThan(0));
    }

    private static double MinAround(FigureObjective f, double w0, double v0, double r, double? radius)
    {
        double min = double.PositiveInfinity;
        for (int i = -100; i <= 100; i++)
            for (int j = -100; j <= 100; j++)
            {
                double w = w0 + r * i / 100, v = v0 + r * j / 100;
                if (radius is { } R && w * w + v * v > R * R) continue;
                min = Math.Min(min, f.Value(w, v));
            }
        return min;
    }
}
