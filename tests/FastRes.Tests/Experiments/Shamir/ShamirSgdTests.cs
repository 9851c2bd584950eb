using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>Theorem 4 of Shamir 2018: the comparator in the ball, and SGD approaching it as T grows.</summary>
public class ShamirSgdTests
{
    [TestCase(Loss.Squared)]
    [TestCase(Loss.Logistic)]
    public void Ball_minimizer_satisfies_kkt_and_beats_the_ball(Loss loss)
    {
        var data = PredictorData.Synthetic(loss, 200, 4, 0.1, 17);
        var free = LinearPredictor.Minimizer(data);
        double radius = 0.5 * Math.Sqrt(Dot.FourPartial(free, free));
        var u = ShamirSgd.BallMinimizer(data, free, radius);
        Assert.That(Math.Sqrt(Dot.FourPartial(u, u)), Is.EqualTo(radius).Within(1e-9 * radius));
        var g = new double[4];
        LinearPredictor.Gradient(data, u, g);
        // KKT on the sphere: ∇F_lin(u) = −λu with λ > 0.
        double cos = -Dot.FourPartial(g, u) / Math.Sqrt(Dot.FourPartial(g, g) * Dot.FourPartial(u, u));
        Assert.That(cos, Is.EqualTo(1).Within(1e-9));
        double best = LinearPredictor.Value(data, u);
        var rng = new PhiloxStream(17, 0, 9);
        for (int t = 0; t < 100; t++)
        {
            var z = ShamirLemma1.RandomVector(4, radius * rng.NextUniform(), ref rng);
            Assert.That(LinearPredictor.Value(data, z), Is.GreaterThanOrEqualTo(best - 1e-12));
        }
        Assert.That(ShamirSgd.BallMinimizer(data, free, 2 * radius * 2), Is.SameAs(free), "inside the ball: the free minimizer");
    }

    [Test]
    public void Sgd_gets_closer_to_the_linear_optimum_as_t_grows_and_stays_under_the_bound()
    {
        var config = new ShamirSgdConfig { Horizons = [100, 30_000], Repeats = 2, Samples = 128, Dimension = 4, Width = 6, Threads = 1 };
        var r = ShamirSgd.Run(config);
        var skip = r.Rows.Where(x => x.Architecture == "skip").OrderBy(x => x.T).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(r.Violations, Is.EqualTo(0));
            Assert.That(skip[1].MeanBestExcess, Is.LessThan(skip[0].MeanBestExcess));
            Assert.That(skip[1].MeanBestExcess, Is.LessThan(skip[1].Bound));
            Assert.That(skip[1].Bound / skip[0].Bound, Is.EqualTo(Math.Sqrt(100.0 / 30_000)).Within(1e-12), "bound ∝ 1/√T");
            Assert.That(ShamirSgd.Run(config with { Threads = 2 }).Rows, Is.EqualTo(r.Rows));
        });
    }
}
