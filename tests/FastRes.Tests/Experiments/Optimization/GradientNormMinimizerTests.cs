using FastRes.Experiments.Optimization;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Spectrum;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Optimization;

/// <summary>
/// Levenberg–Marquardt on ½‖∇F‖² finds saddles: on closed-form objectives with a known saddle it converges there from
/// nearby starts (where damped Newton on F leaves it), and its descent direction is ∇Φ = H g.
/// </summary>
public class GradientNormMinimizerTests
{
    /// <summary>A two-variable F given by its gradient and Hessian in closed form.</summary>
    public sealed class Analytic(Func<double, double, double> f, Func<double, double, (double, double)> g,
        Func<double, double, (double, double, double)> h) : ISmoothObjective
    {
        public int Size => 2;
        public double Value(ReadOnlySpan<double> x) => f(x[0], x[1]);

        public double Gradient(ReadOnlySpan<double> x, Span<double> gradient)
        {
            (gradient[0], gradient[1]) = g(x[0], x[1]);
            return f(x[0], x[1]);
        }

        public void Hessian(ReadOnlySpan<double> x, Span<double> hessian)
        {
            var (xx, xy, yy) = h(x[0], x[1]);
            (hessian[0], hessian[1], hessian[2], hessian[3]) = (xx, xy, xy, yy);
        }

        public double SquaredNorm(ReadOnlySpan<double> gradient) => Dot.Sequential(gradient, gradient);
    }

    /// <summary>½(ab − 1)²: minima on ab = 1, a strict saddle at (0, 0) with H = [[0, −1], [−1, 0]] (eigenvalues ±1).</summary>
    private static Analytic Product() => new((a, b) => 0.5 * (a * b - 1) * (a * b - 1), (a, b) => ((a * b - 1) * b, (a * b - 1) * a),
        (a, b) => (b * b, 2 * a * b - 1, a * a));

    /// <summary>x² − y²: the saddle at 0 is the only critical point; H = diag(2, −2).</summary>
    private static Analytic Hyperbolic() => new((x, y) => x * x - y * y, (x, y) => (2 * x, -2 * y), (x, y) => (2, 0, -2));

    /// <summary>(x² − 1)² + y²: minima at (±1, 0), a strict saddle at (0, 0) with H = diag(−4, 2).</summary>
    private static Analytic DoubleWell() => new((x, y) => (x * x - 1) * (x * x - 1) + y * y, (x, y) => (4 * x * (x * x - 1), 2 * y),
        (x, y) => (12 * x * x - 4, 0, 2));

    private static IEnumerable<TestCaseData> Saddles()
    {
        foreach (var (start, name) in new[] { ((0.1, -0.05), "below"), ((-0.2, -0.15), "left"), ((0.05, 0.25), "above") })
        {
            yield return new TestCaseData(Product(), start.Item1, start.Item2, 1.0).SetName($"half (ab − 1)² from {name}");
            yield return new TestCaseData(Hyperbolic(), start.Item1, start.Item2, 2.0).SetName($"x² − y² from {name}");
            yield return new TestCaseData(DoubleWell(), start.Item1, start.Item2, 4.0).SetName($"double well from {name}");
        }
    }

    [TestCaseSource(nameof(Saddles))]
    public void Converges_to_the_saddle_at_the_origin_from_nearby_starts(Analytic f, double x0, double y0, double negativeCurvature)
    {
        var x = new[] { x0, y0 };
        var (norm, steps) = new GradientNormMinimizer(2).Minimize(f, x, 100, 1e-8);
        var h = new double[4];
        f.Hessian(x, h);
        var eig = new double[2];
        SymmetricEigen.Eigenvalues(h, 2, eig, threads: 1);
        Assert.Multiple(() =>
        {
            Assert.That(norm, Is.LessThanOrEqualTo(1e-8));
            Assert.That(steps, Is.GreaterThan(0));
            Assert.That(Math.Abs(x[0]) + Math.Abs(x[1]), Is.LessThan(1e-8), "the saddle at the origin");
            Assert.That(eig.Min(), Is.EqualTo(-negativeCurvature).Within(1e-7), "λ_min < 0 there: a strict saddle");
        });
    }

    [Test]
    public void Damped_Newton_on_F_leaves_the_double_well_saddle_that_the_gradient_norm_search_finds()
    {
        var descent = new[] { 0.1, -0.05 };
        new LevenbergMarquardt(2).Minimize(DoubleWell(), descent, 100, 1e-10);
        Assert.That(Math.Abs(descent[0]), Is.EqualTo(1).Within(1e-9), "descent lands on a minimum (±1, 0)");
        var saddle = new[] { 0.1, -0.05 };
        new GradientNormMinimizer(2).Minimize(DoubleWell(), saddle, 100, 1e-10);
        Assert.That(Math.Abs(saddle[0]), Is.LessThan(1e-10));
    }

    [Test]
    public void Near_a_nondegenerate_saddle_the_convergence_is_quadratic()
    {
        // Newton on g = 0: ‖g‖ at least squares (up to a constant) from step to step once μ has shrunk.
        var f = DoubleWell();
        var x = new[] { 0.05, 0.02 };
        var norms = new List<double>();
        for (int s = 0; s < 6; s++)
        {
            var g = new double[2];
            f.Gradient(x, g);
            norms.Add(Math.Sqrt(f.SquaredNorm(g)));
            new GradientNormMinimizer(2) { InitialDamping = 1e-12 }.Minimize(f, x, 1, 0);
        }
        for (int s = 1; s < norms.Count && norms[s] > 1e-14; s++)
            Assert.That(norms[s], Is.LessThan(10 * norms[s - 1] * norms[s - 1]), $"step {s}: {norms[s - 1]:E2} → {norms[s]:E2}");
        Assert.That(norms[^1], Is.LessThan(1e-14));
    }

    [Test]
    public void Phi_gradient_is_the_Hessian_times_the_gradient_by_central_differences()
    {
        var f = new Rosenbrock();
        var x = new[] { -0.7, 0.4 };
        var grad = new double[2];
        double phi = GradientNormMinimizer.PhiGradient(f, x, grad);
        var g = new double[2];
        Assert.That(phi, Is.EqualTo(GradientNormMinimizer.Phi(f, x, g)));
        const double eps = 1e-6;
        for (int j = 0; j < 2; j++)
        {
            var p = (double[])x.Clone(); p[j] += eps;
            var m = (double[])x.Clone(); m[j] -= eps;
            double fd = (GradientNormMinimizer.Phi(f, p, g) - GradientNormMinimizer.Phi(f, m, g)) / (2 * eps);
            Assert.That(grad[j], Is.EqualTo(fd).Within(1e-6 * (1 + Math.Abs(fd))), $"coordinate {j}");
        }
    }

    [Test]
    public void Stops_when_no_damping_lowers_phi_and_checks_sizes()
    {
        // The lying gradient is constant: Φ never decreases, so every μ is rejected and x stays put.
        double[] x0 = [0.5, -1];
        var y = (double[])x0.Clone();
        var (norm, steps) = new GradientNormMinimizer(2).Minimize(new LyingGradient(x0), y, 10, 1e-12);
        Assert.Multiple(() =>
        {
            Assert.That(y, Is.EqualTo(x0));
            Assert.That(steps, Is.EqualTo(0));
            Assert.That(norm, Is.EqualTo(Math.Sqrt(2)));
            Assert.Throws<ArgumentException>(() => new GradientNormMinimizer(2).Minimize(Quadratic.ThreeByThree(), new double[3], 1, 0));
        });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => new GradientNormMinimizer(2).Minimize(DoubleWell(), new[] { 0.1, 0.1 }, 10, 0, cancelled.Token));
    }
}
