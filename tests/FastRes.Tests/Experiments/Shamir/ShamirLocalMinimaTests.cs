using FastRes.Experiments;
using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>Corollary 1 of Shamir 2018: damped Newton reaches local minima of F_θ, and they are no worse than linear.</summary>
public class ShamirLocalMinimaTests
{
    [TestCase(Loss.Squared, Activation.Relu)]
    [TestCase(Loss.Logistic, Activation.Tanh)]
    public void Newton_end_point_is_a_local_minimum_no_worse_than_linear(Loss loss, Activation activation)
    {
        const int d = 3, k = 4;
        var data = PredictorData.Synthetic(loss, 150, d, 0.1, 31);
        var rng = new PhiloxStream(31, 0, 4);
        var objective = new ResidualObjective(data, ResidualFeatures.Random(data, activation, 5, 1, k, 1, ref rng), k);
        var w = ShamirLemma1.RandomVector(d, 1, ref rng);
        var v = ShamirLemma1.RandomVector(d * k, 1, ref rng);
        double[] x = [.. w, .. v];
        var (norm, _) = new LevenbergMarquardt(x.Length).Minimize(objective, x, 500, 1e-9);
        x.AsSpan(0, d).CopyTo(w);
        x.AsSpan(d).CopyTo(v);
        Assert.That(norm, Is.LessThanOrEqualTo(1e-9));
        double f = objective.Value(w, v);
        Assert.That(f, Is.LessThanOrEqualTo(LinearPredictor.Value(data, LinearPredictor.Minimizer(data)) + 1e-9), "Corollary 1");
        // Brute force, independent of the Hessian: no small random move lowers F.
        for (int t = 0; t < 200; t++)
        {
            var dw = ShamirLemma1.RandomVector(d, 1e-3, ref rng);
            var dv = ShamirLemma1.RandomVector(d * k, 1e-3, ref rng);
            var tw = w.Select((x, i) => x + dw[i]).ToArray();
            var tv = v.Select((x, i) => x + dv[i]).ToArray();
            Assert.That(objective.Value(tw, tv), Is.GreaterThanOrEqualTo(f - 1e-12));
        }
    }

    [Test]
    public void Small_run_converges_without_violation()
    {
        var defaults = new ShamirLocalMinimaConfig();
        var config = defaults with { Points = 4, GdSteps = 50, Model = defaults.Model with { Samples = 100, Dimension = 3, Width = 3, Hidden = 4, Threads = 1 } };
        var r = ShamirLocalMinima.Run(config);
        Assert.Multiple(() =>
        {
            Assert.That(r.Violations, Is.EqualTo(0));
            Assert.That(r.CaseCount, Is.GreaterThan(0));
            Assert.That(r.Rows.Select(x => x.MaxGradientNorm).Where(double.IsFinite), Is.All.LessThanOrEqualTo(1e-8));
            Assert.That(r.Rows.Select(x => x.MaxExcessAtMinima).Where(double.IsFinite), Is.All.LessThanOrEqualTo(1e-6));
            Assert.That(ShamirLocalMinima.Run(config with { Model = config.Model with { Threads = 2 } }).Rows, Is.EqualTo(r.Rows));
        });
    }
}
