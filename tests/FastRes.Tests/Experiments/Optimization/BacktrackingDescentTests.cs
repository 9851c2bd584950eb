using FastRes.Experiments.Optimization;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Optimization;

public class BacktrackingDescentTests
{
    [Test]
    public void Converges_to_the_exact_minimizer_of_a_convex_quadratic_with_every_step_an_Armijo_step()
    {
        var f = Quadratic.ThreeByThree();
        var descent = new BacktrackingDescent(3);
        double[] x = [5, 5, -5];
        var g = new double[3];
        double step = 1;
        for (int s = 0; s < 1000; s++)
        {
            double before = f.Gradient(x, g), g2 = f.SquaredNorm(g);
            double[] previous = [.. x];
            double next = descent.Step(f, x, step);
            if (g2 == 0) break;
            // The step taken was t = next / 2 (a success doubles it), and it met F(x − t∇F) ≤ F(x) − 10⁻⁴·t·‖∇F‖².
            double t = next / 2;
            Assert.That(x, Is.EqualTo(previous.Select((p, i) => p - t * g[i])).Within(1e-300), $"step {s}: x − t∇F");
            Assert.That(f.Value(x), Is.LessThanOrEqualTo(before - 1e-4 * t * g2), $"step {s}: Armijo");
            step = next;
        }
        // A line search on values resolves F only to about an ulp of F* = ¼, i.e. x to about √(ulp/λ_min) ≈ 10⁻⁸.
        Assert.That(x, Is.EqualTo(Quadratic.ThreeByThreeMinimizer).Within(1e-7));
    }

    [Test]
    public void Halves_until_the_Armijo_condition_holds_and_then_doubles()
    {
        // F = ½(x² + 4y²) − x − 4y (minimizer (1, 1)) from (1, 2): ∇F = (0, 4), an eigenvector of curvature 4, so
        // Armijo holds iff t ≤ 2(1 − 10⁻⁴)/4. From t = 10: 10, 5, 2.5, 1.25, 0.625 fail, 0.3125 passes.
        var f = new Quadratic([1, 0, 0, 4], [1, 4]);
        var descent = new BacktrackingDescent(2);
        double[] x = [1, 2];
        Assert.That(descent.Step(f, x, 10), Is.EqualTo(0.625));
        Assert.That(x, Is.EqualTo(new[] { 1, 2 - 0.3125 * 4 }));
        Assert.That(f.Values, Is.EqualTo(6), "six trials");

        var custom = new BacktrackingDescent(2) { Shrink = 0.25, Growth = 1 };
        double[] y = [1, 2];
        Assert.That(custom.Step(f, y, 10), Is.EqualTo(0.15625), "10 → 2.5 → 0.625 fail, 0.15625 passes and is kept");
        Assert.That(y, Is.EqualTo(new[] { 1, 2 - 0.15625 * 4 }));
    }

    [Test]
    public void Descends_Rosenbrocks_valley_monotonically()
    {
        var f = new Rosenbrock();
        var descent = new BacktrackingDescent(2);
        double[] x = [-1.2, 1];
        double value = f.Value(x), step = 1;
        for (int s = 0; s < 20_000; s++)
        {
            step = descent.Step(f, x, step);
            double next = f.Value(x);
            Assert.That(next, Is.LessThanOrEqualTo(value), $"step {s}");
            value = next;
        }
        // Gradient descent crawls along the valley floor, but it gets there.
        Assert.That(value, Is.LessThan(1e-6));
        Assert.That(x, Is.EqualTo(new[] { 1.0, 1.0 }).Within(1e-2));
    }

    [Test]
    public void Stops_at_a_zero_gradient_without_evaluating_and_gives_up_when_no_trial_descends()
    {
        var f = Quadratic.ThreeByThree();
        double[] x = [.. Quadratic.ThreeByThreeMinimizer];
        var descent = new BacktrackingDescent(3);
        Assert.That(descent.Step(f, x, 0.7), Is.EqualTo(0.7));
        Assert.That(x, Is.EqualTo(Quadratic.ThreeByThreeMinimizer));
        Assert.That(f.Values, Is.Zero, "no trial at a critical point");

        double[] x0 = [0.5, -0.5];
        double[] y = [.. x0];
        var liar = new LyingGradient(x0);
        Assert.That(new BacktrackingDescent(2).Step(liar, y, 1), Is.EqualTo(Math.ScaleB(1.0, -60)), "halved 60 times");
        Assert.That(y, Is.EqualTo(x0), "x stays put");
        Assert.That(new BacktrackingDescent(2) { MaxTrials = 3 }.Step(liar, y, 1), Is.EqualTo(0.125));
    }

    [Test]
    public void Run_takes_the_given_number_of_steps_and_a_mismatched_size_throws()
    {
        var f = Quadratic.ThreeByThree();
        double[] x = [5, 5, -5];
        double[] y = [.. x];
        double step = new BacktrackingDescent(3).Run(f, x, 7);
        var one = new BacktrackingDescent(3);
        double t = 1;
        for (int s = 0; s < 7; s++) t = one.Step(f, y, t);
        Assert.That(step, Is.EqualTo(t));
        Assert.That(x, Is.EqualTo(y));
        Assert.Throws<ArgumentException>(() => new BacktrackingDescent(2).Step(f, x, 1));
    }

    [Test]
    public void Run_stops_at_a_cancelled_token_before_moving_x()
    {
        var f = Quadratic.ThreeByThree();
        double[] x = [5, 5, -5];
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => new BacktrackingDescent(3).Run(f, x, 7, cancellationToken: cancelled.Token));
        Assert.That(x, Is.EqualTo(new[] { 5.0, 5, -5 }));
    }
}
