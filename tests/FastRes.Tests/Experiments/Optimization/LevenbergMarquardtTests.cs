using FastRes.Experiments.Optimization;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Optimization;

public class LevenbergMarquardtTests
{
    [Test]
    public void Reaches_the_exact_minimizer_of_a_convex_quadratic_in_a_few_steps()
    {
        var f = Quadratic.ThreeByThree();
        double[] x = [5, 5, -5];
        var (norm, steps) = new LevenbergMarquardt(3).Minimize(f, x, 100, 1e-13);
        Assert.That(norm, Is.LessThanOrEqualTo(1e-13));
        // μ starts at 10⁻³ and shrinks ÷3 per step: each step cuts the error by about μ/λ_min, so a handful suffice.
        Assert.That(steps, Is.InRange(1, 6));
        Assert.That(x, Is.EqualTo(Quadratic.ThreeByThreeMinimizer).Within(1e-13));
    }

    [Test]
    public void A_cancelled_token_stops_it_before_the_first_trial()
    {
        var f = Quadratic.ThreeByThree();
        double[] x = [5, 5, -5];
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => new LevenbergMarquardt(3).Minimize(f, x, 100, 1e-13, cancelled.Token));
        Assert.That(x, Is.EqualTo(new[] { 5.0, 5, -5 }));
    }

    [Test]
    public void Solves_Rosenbrock_from_the_classic_start()
    {
        var f = new Rosenbrock();
        double[] x = [-1.2, 1];
        var (norm, steps) = new LevenbergMarquardt(2).Minimize(f, x, 200, 1e-10);
        Assert.That(norm, Is.LessThanOrEqualTo(1e-10));
        Assert.That(steps, Is.LessThan(100));
        Assert.That(x, Is.EqualTo(new[] { 1.0, 1.0 }).Within(1e-10));
        Assert.That(f.Value(x), Is.LessThan(1e-20));
    }

    [Test]
    public void Stopping_rules_tolerance_step_budget_and_no_acceptable_trial()
    {
        var f = Quadratic.ThreeByThree();
        double[] atMinimum = [.. Quadratic.ThreeByThreeMinimizer];
        Assert.That(new LevenbergMarquardt(3).Minimize(f, atMinimum, 10, 1e-12), Is.EqualTo(new NewtonResult(0, 0)), "already below tolerance");

        var rosenbrock = new Rosenbrock();
        double[] x = [-1.2, 1];
        var (norm, steps) = new LevenbergMarquardt(2).Minimize(rosenbrock, x, 3, 1e-10);
        Assert.That(steps, Is.EqualTo(3), "step budget");
        Assert.That(norm, Is.GreaterThan(1e-10));

        double[] x0 = [0.5, -0.5];
        double[] y = [.. x0];
        var (liarNorm, liarSteps) = new LevenbergMarquardt(2).Minimize(new LyingGradient(x0), y, 10, 1e-12);
        Assert.That(liarSteps, Is.Zero, "every μ rejected: stop instead of spinning");
        Assert.That(liarNorm, Is.EqualTo(Math.Sqrt(2)));
        Assert.That(y, Is.EqualTo(x0));
    }

    [Test]
    public void Damping_grows_by_the_indefinite_penalty_until_H_plus_mu_I_is_positive_definite()
    {
        // F = −½x² at x = 1: ∇F = −1, H = −1, so H + μI has a Cholesky factor only once μ > 1. From μ = 10⁻³ ×10
        // per refusal, the first solvable μ is 10 and the step is s = ∇F/(μ − 1); lower F, so it is taken.
        var f = new Quadratic([-1], [0]);
        double[] x = [1];
        var (_, steps) = new LevenbergMarquardt(1).Minimize(f, x, 1, 0);
        double mu = 1e-3 * 10 * 10 * 10 * 10;
        Assert.That(steps, Is.EqualTo(1));
        Assert.That(x[0], Is.EqualTo(1 + 1 / (mu - 1)).Within(1e-15));

        double[] y = [1];
        new LevenbergMarquardt(1) { IndefinitePenalty = 100, InitialDamping = 2e-3 }.Minimize(f, y, 1, 0);
        Assert.That(y[0], Is.EqualTo(1 + 1 / (2e-3 * 100 * 100 - 1)).Within(1e-15), "μ = 2·10⁻³ → 0.2 → 20");
    }

    [Test]
    public void A_mismatched_size_throws()
        => Assert.Throws<ArgumentException>(() => new LevenbergMarquardt(2).Minimize(Quadratic.ThreeByThree(), new double[3], 1, 0));
}
