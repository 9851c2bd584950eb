using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;
using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Shamir;

/// <summary>The exact Hessian of F_θ in (w, V) and Theorem 2 of Shamir 2018 at w = 0.</summary>
public class ShamirTheorem2Tests
{
    private const int D = 4, K = 3, Size = D + D * K;

    private static ResidualObjective Objective(Loss loss, Activation activation, out double[] w, out double[] v)
    {
        var data = PredictorData.Synthetic(loss, 150, D, 0.1, 21);
        var rng = new PhiloxStream(21, 5, 1);
        var features = ResidualFeatures.Random(data, activation, 6, 1, K, 1, ref rng);
        w = ShamirLemma1.RandomVector(D, 0.9, ref rng);
        v = ShamirLemma1.RandomVector(D * K, 1.1, ref rng);
        return new ResidualObjective(data, features, K);
    }

    [TestCase(Loss.Squared, Activation.Relu)]
    [TestCase(Loss.Logistic, Activation.Tanh)]
    public void Hessian_matches_central_differences_of_the_gradient(Loss loss, Activation activation)
    {
        var f = Objective(loss, activation, out var w, out var v);
        var h = new double[Size * Size];
        ResidualHessian.Compute(f, w, v, h);
        const double step = 1e-6;
        var gwP = new double[D]; var gvP = new double[D * K]; var gwM = new double[D]; var gvM = new double[D * K];
        for (int j = 0; j < Size; j++)
        {
            var target = j < D ? w : v;
            int idx = j < D ? j : j - D;
            double keep = target[idx];
            target[idx] = keep + step; f.Gradient(w, v, gwP, gvP);
            target[idx] = keep - step; f.Gradient(w, v, gwM, gvM);
            target[idx] = keep;
            for (int i = 0; i < Size; i++)
            {
                double fd = i < D ? (gwP[i] - gwM[i]) / (2 * step) : (gvP[i - D] - gvM[i - D]) / (2 * step);
                Assert.That(h[i * Size + j], Is.EqualTo(fd).Within(1e-7 * (1 + Math.Abs(fd))), $"H[{i},{j}]");
            }
        }
    }

    [TestCase(Loss.Squared)]
    [TestCase(Loss.Logistic)]
    public void At_zero_the_hessian_has_theorem_two_structure_and_a_nonpositive_lambda_min(Loss loss)
    {
        var f = Objective(loss, Activation.Tanh, out _, out var v);
        var w = new double[D];
        var h = new double[Size * Size];
        ResidualHessian.Compute(f, w, v, h);
        var gw = new double[D]; var gv = new double[D * K];
        f.Gradient(w, v, gw, gv);
        // b = E[ℓ'(0) f], computed independently of the Hessian.
        var b = new double[K];
        for (int i = 0; i < f.Data.Samples; i++)
            for (int c = 0; c < K; c++) b[c] += Losses.Slope(loss, 0, f.Data.Y[i]) * f.Features[i * K + c] / f.Data.Samples;
        Assert.Multiple(() =>
        {
            for (int a = D; a < Size; a++)
                for (int c = D; c < Size; c++) Assert.That(h[a * Size + c], Is.EqualTo(0.0), "H_VV = 0 at w = 0");
            for (int r = 0; r < D; r++)
                for (int s = 0; s < D; s++)
                    for (int c = 0; c < K; c++)
                        Assert.That(h[r * Size + D + s * K + c], Is.EqualTo(r == s ? b[c] : 0).Within(1e-14), "H_wV = I ⊗ bᵀ");
            Assert.That(gv, Is.All.EqualTo(0.0), "∇_V F = 0 at w = 0");
        });
        var m = Matrix<double>.Build.Dense(Size, Size, (i, j) => h[i * Size + j]);
        double lambdaMin = m.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Min(e => e.Real);
        Assert.That(lambdaMin, Is.LessThan(0), "b ≠ 0 here, so the saddle is strict");
    }

    [Test]
    public void Small_run_has_no_violation_and_lambda_min_within_the_block_bound()
    {
        var config = new ShamirTheorem2Config { Points = 5, Model = new() { Samples = 100, Dimension = 3, Width = 4, Hidden = 5, Threads = 1 } };
        var r = ShamirTheorem2.Run(config);
        Assert.Multiple(() =>
        {
            Assert.That(r.Violations, Is.EqualTo(0));
            Assert.That(r.Rows.Select(x => x.MaxLambdaMin), Is.All.LessThanOrEqualTo(0.0));
            Assert.That(r.Rows.Select(x => x.MaxSharperBoundExcess), Is.All.LessThan(1e-12));
            Assert.That(r.Rows.Select(x => x.MaxHvvAbs), Is.All.EqualTo(0.0));
            Assert.That(r.Rows.Sum(x => x.Nontrivial), Is.GreaterThan(0));
            Assert.That(ShamirTheorem2.Run(config with { Model = config.Model with { Threads = 2 } }).Rows, Is.EqualTo(r.Rows));
        });
    }
}
