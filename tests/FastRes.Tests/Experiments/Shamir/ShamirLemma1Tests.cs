using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>Shamir 2018's residual objective: gradients vs differences, Lemma 1's identity before its inequality, F_lin's minimizer.</summary>
public class ShamirLemma1Tests
{
    private const int D = 5, K = 7;

    private static ResidualObjective Objective(Loss loss, Activation activation, ulong seed, out double[] w, out double[] v)
    {
        var data = PredictorData.Synthetic(loss, 200, D, 0.1, seed);
        var rng = new PhiloxStream(seed, 99, 1);
        var features = ResidualFeatures.Random(data, activation, 9, 2, K, 1, ref rng);
        w = ShamirLemma1.RandomVector(D, 1.3, ref rng);
        v = ShamirLemma1.RandomVector(D * K, 0.8, ref rng);
        return new ResidualObjective(data, features, K);
    }

    [TestCase(Loss.Squared, Activation.Relu)]
    [TestCase(Loss.Squared, Activation.Tanh)]
    [TestCase(Loss.Logistic, Activation.Relu)]
    [TestCase(Loss.Logistic, Activation.Tanh)]
    public void Gradient_matches_central_differences(Loss loss, Activation activation)
    {
        var f = Objective(loss, activation, 3, out var w, out var v);
        var gw = new double[D]; var gv = new double[D * K];
        double value = f.Gradient(w, v, gw, gv);
        Assert.That(value, Is.EqualTo(f.Value(w, v)).Within(1e-14 * (1 + Math.Abs(value))));
        const double h = 1e-6;
        for (int j = 0; j < D + D * K; j++)
        {
            var target = j < D ? w : v;
            int idx = j < D ? j : j - D;
            double keep = target[idx];
            target[idx] = keep + h; double up = f.Value(w, v);
            target[idx] = keep - h; double down = f.Value(w, v);
            target[idx] = keep;
            double analytic = j < D ? gw[idx] : gv[idx];
            Assert.That(analytic, Is.EqualTo((up - down) / (2 * h)).Within(1e-7 * (1 + Math.Abs(analytic))), $"coordinate {j}");
        }
    }

    [TestCase(Loss.Squared)]
    [TestCase(Loss.Logistic)]
    public void Lemma_identity_then_inequality(Loss loss)
    {
        var f = Objective(loss, Activation.Tanh, 5, out var w, out var v);
        var data = f.Data;
        var wLin = LinearPredictor.Minimizer(data);
        var rng = new PhiloxStream(5, 1, 2);
        var gw = new double[D]; var gv = new double[D * K];
        var dw = new double[D]; var dv = new double[D * K];
        double value = f.Gradient(w, v, gw, gv);
        foreach (var wStar in new[] { wLin, ShamirLemma1.RandomVector(D, 2, ref rng), ShamirLemma1.RandomVector(D, 0.1, ref rng) })
        {
            f.LemmaDirection(w, v, wStar, dw, dv);
            double inner = Dot.FourPartial(dw, gw) + Dot.FourPartial(dv, gv);
            double expectation = f.LemmaExpectation(w, v, wStar);
            Assert.That(inner, Is.EqualTo(expectation).Within(1e-12 * (1 + Math.Abs(inner))), "⟨vec G, ∇F⟩ = E[ℓ'(p)(p − w*ᵀx)]");
            Assert.That(inner, Is.GreaterThanOrEqualTo(value - LinearPredictor.Value(data, wStar)), "Lemma 1");
        }
        if (loss == Loss.Squared)
        {
            // Squared loss: the slack is exactly E[½(p − w*ᵀx)²] (ℓ is quadratic, so convexity's gap is its curvature term).
            var p = new double[data.Samples];
            f.Predictions(w, v, p);
            double half = 0;
            for (int i = 0; i < data.Samples; i++)
            {
                double r = p[i] - Dot.FourPartial(data.X.AsSpan(i * D, D), wLin);
                half += 0.5 * r * r / data.Samples;
            }
            f.LemmaDirection(w, v, wLin, dw, dv);
            double inner = Dot.FourPartial(dw, gw) + Dot.FourPartial(dv, gv);
            Assert.That(inner - (value - LinearPredictor.Value(data, wLin)), Is.EqualTo(half).Within(1e-11 * (1 + half)));
        }
    }

    [Test]
    public void Least_squares_minimizer_matches_a_qr_solve()
    {
        var data = PredictorData.Synthetic(Loss.Squared, 300, D, 0.1, 11);
        var x = Matrix<double>.Build.Dense(data.Samples, D, (i, j) => data.X[i * D + j]);
        var expected = x.QR().Solve(Vector<double>.Build.DenseOfArray(data.Y));
        var w = LinearPredictor.Minimizer(data);
        for (int j = 0; j < D; j++) Assert.That(w[j], Is.EqualTo(expected[j]).Within(1e-12 * (1 + Math.Abs(expected[j]))));
    }

    [Test]
    public void Logistic_minimizer_has_zero_gradient_and_beats_its_neighbours()
    {
        var data = PredictorData.Synthetic(Loss.Logistic, 400, D, 0.1, 13);
        var w = LinearPredictor.Minimizer(data);
        var g = new double[D];
        LinearPredictor.Gradient(data, w, g);
        Assert.That(Math.Sqrt(Dot.FourPartial(g, g)), Is.LessThan(1e-13));
        double best = LinearPredictor.Value(data, w);
        var rng = new PhiloxStream(13, 0, 3);
        for (int t = 0; t < 50; t++)
        {
            var step = ShamirLemma1.RandomVector(D, 1e-3, ref rng);
            for (int j = 0; j < D; j++) step[j] += w[j];
            Assert.That(LinearPredictor.Value(data, step), Is.GreaterThan(best));
        }
    }

    [Test]
    public void Loss_derivatives_match_differences_and_logistic_is_stable()
    {
        foreach (var loss in new[] { Loss.Squared, Loss.Logistic })
            foreach (double y in new[] { -1.0, 1.0 })
                foreach (double p in new[] { -3.0, -0.2, 0.0, 0.7, 4.0 })
                {
                    const double h = 1e-5;
                    Assert.That(Losses.Slope(loss, p, y), Is.EqualTo((Losses.Value(loss, p + h, y) - Losses.Value(loss, p - h, y)) / (2 * h)).Within(1e-8));
                    Assert.That(Losses.Curvature(loss, p, y), Is.EqualTo((Losses.Slope(loss, p + h, y) - Losses.Slope(loss, p - h, y)) / (2 * h)).Within(1e-8));
                }
        Assert.That(Losses.Value(Loss.Logistic, -1000, 1), Is.EqualTo(1000).Within(1e-9));
        Assert.That(Losses.Value(Loss.Logistic, 1000, 1), Is.EqualTo(0).Within(1e-300));
    }

    [Test]
    public void Spectral_norm_matches_svd()
    {
        var rng = new PhiloxStream(2, 0, 0);
        var v = ShamirLemma1.RandomVector(D * K, 3, ref rng);
        var m = Matrix<double>.Build.Dense(D, K, (i, j) => v[i * K + j]);
        Assert.That(ShamirLemma1.SpectralNorm(v, D, K), Is.EqualTo(m.L2Norm()).Within(1e-12 * m.L2Norm()));
    }

    [Test]
    public void Small_run_finds_no_violation_has_nontrivial_cases_and_is_thread_independent()
    {
        var config = new ShamirLemma1Config { Points = 6, Checkpoints = [0, 50], Model = new() { Samples = 128, Dimension = 4, Width = 5, Hidden = 6, Threads = 1 } };
        var one = ShamirLemma1.Run(config);
        var two = ShamirLemma1.Run(config with { Model = config.Model with { Threads = 2 } });
        Assert.Multiple(() =>
        {
            Assert.That(one.Violations, Is.EqualTo(0));
            Assert.That(one.Rows.Sum(r => r.Nontrivial), Is.GreaterThan(0));
            Assert.That(one.Rows.Select(r => r.MinLemmaRatio).Where(double.IsFinite), Is.All.GreaterThanOrEqualTo(1.0));
            Assert.That(one.Rows.Select(r => r.MinTheorem1Ratio).Where(double.IsFinite), Is.All.GreaterThanOrEqualTo(1.0));
            Assert.That(one.Rows.Select(r => r.MaxIdentityDeviation), Is.All.LessThan(1e-12));
            Assert.That(two.Rows, Is.EqualTo(one.Rows));
            // GD lowers the gradient: the trained checkpoint's median ‖∇F‖ is below the random start's.
            foreach (var g in one.Rows.GroupBy(r => (r.Loss, r.Activation)))
                Assert.That(g.Single(r => r.Checkpoint == 50).MedianGradientNorm, Is.LessThan(g.Single(r => r.Checkpoint == 0).MedianGradientNorm));
        });
    }
}

/// <summary>The digits binary task (Shamir experiments with --data).</summary>
public class ShamirDigitsTaskTests
{
    [Test]
    public void Digits_task_keeps_the_two_classes_in_file_order_with_plus_minus_one_targets()
    {
        var digits = FastRes.Experiments.Data.DataSource.Load(FastRes.Tests.Experiments.Data.TestData.MnistFolder, 5);
        var task = PredictorData.FromDigits(digits, 3, 5, 300, Loss.Logistic);
        Assert.That(task.Samples, Is.EqualTo(300));
        Assert.That(task.Y.Distinct().Order(), Is.EqualTo(new[] { -1.0, 1.0 }));
        // The first task row is the first image of class 3 or 5, unchanged.
        int first = Enumerable.Range(0, digits.Samples).First(i => digits.Target(i)[3] == 1 || digits.Target(i)[5] == 1);
        Assert.That(task.X.Take(5), Is.EqualTo(digits.Input(first).ToArray()));
        Assert.That(task.Y[0], Is.EqualTo(digits.Target(first)[3] == 1 ? 1 : -1));
        var r = ShamirLemma1.Run(new ShamirLemma1Config { Points = 3, Checkpoints = [0, 20], Model = new() { Dimension = 5, Samples = 300, Width = 4, Hidden = 4, Threads = 1 } }, digits);
        Assert.That(r.Violations, Is.EqualTo(0));
        Assert.That(r.Rows.Sum(x => x.Nontrivial), Is.GreaterThan(0));
    }
}
