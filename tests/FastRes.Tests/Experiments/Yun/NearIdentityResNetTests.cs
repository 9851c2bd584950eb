using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Yun;

/// <summary>The ReLU ResNet of the near-identity theorems: gradients, the projection, the Lipschitz shift bound.</summary>
public class NearIdentityResNetTests
{
    private static double[] RandomTheta(NearIdentityResNet net, double scale, ulong seed)
    {
        var rng = new PhiloxStream(seed, 1, 3);
        var theta = new double[net.Size];
        for (int j = 0; j < theta.Length; j++) theta[j] = scale * rng.NextNormal();
        return theta;
    }

    [TestCase(Loss.Squared, 1, NearIdentityActivation.Relu)]
    [TestCase(Loss.Logistic, 3, NearIdentityActivation.Relu)]
    [TestCase(Loss.Logistic, 6, NearIdentityActivation.Relu)]
    [TestCase(Loss.Squared, 5, NearIdentityActivation.Tanh)]
    [TestCase(Loss.Logistic, 4, NearIdentityActivation.Tanh)]
    public void Risk_gradient_matches_central_differences(Loss loss, int blocks, NearIdentityActivation activation)
    {
        var data = PredictorData.Synthetic(loss, 30, 4, 0.1, 7);
        var net = new NearIdentityResNet(4, blocks, 3, activation);
        var theta = RandomTheta(net, 0.6, 11);
        var objective = new RiskObjective(loss, data.Y);
        var g = new double[net.Size];
        double r = net.Gradient(theta, data.X, objective, g);
        Assert.That(r, Is.EqualTo(net.Value(theta, data.X, objective)).Within(1e-15 * (1 + Math.Abs(r))));
        AssertMatchesCentralDifferences(theta, g, t => net.Value(t, data.X, objective));
    }

    [Test]
    public void Correlation_gradient_matches_central_differences()
    {
        var data = PredictorData.Synthetic(Loss.Squared, 25, 5, 0.1, 2);
        var net = new NearIdentityResNet(5, 4, 2);
        var theta = RandomTheta(net, 0.8, 5);
        var rng = new PhiloxStream(3, 0, 0);
        var signs = new double[25];
        for (int i = 0; i < signs.Length; i++) signs[i] = rng.NextUniform() < 0.5 ? -1 : 1;
        var objective = new CorrelationObjective(signs);
        var g = new double[net.Size];
        double c = net.Gradient(theta, data.X, objective, g);
        var f = new double[25];
        net.Outputs(theta, data.X, f);
        double direct = 0;
        for (int i = 0; i < 25; i++) direct += signs[i] * f[i] / 25;
        Assert.That(c, Is.EqualTo(direct).Within(1e-14));
        AssertMatchesCentralDifferences(theta, g, t => net.Value(t, data.X, objective));
    }

    private static void AssertMatchesCentralDifferences(double[] theta, double[] g, Func<double[], double> value)
    {
        // A ReLU kink inside [θ − ε, θ + ε] would spoil the difference; with ε = 1e-6 and Gaussian data that has
        // probability ~1e-5 per unit, and a failure would name the coordinate.
        const double eps = 1e-6;
        for (int j = 0; j < theta.Length; j++)
        {
            var p = (double[])theta.Clone(); p[j] += eps;
            var m = (double[])theta.Clone(); m[j] -= eps;
            double fd = (value(p) - value(m)) / (2 * eps);
            Assert.That(g[j], Is.EqualTo(fd).Within(1e-7 * (1 + Math.Abs(fd))), $"coordinate {j}");
        }
    }

    [Test]
    public void Projection_lands_on_each_ball_and_is_the_nearest_point()
    {
        var net = new NearIdentityResNet(3, 4, 2);
        var theta = RandomTheta(net, 2, 1);
        var projected = (double[])theta.Clone();
        net.Project(projected, net.BlockRadius, 1);
        Assert.That(Norm(projected.AsSpan(0, 3)), Is.EqualTo(1).Within(1e-15));
        for (int l = 0; l < 4; l++)
        {
            Assert.That(Norm(projected.AsSpan(net.UOffset(l), 6)), Is.EqualTo(0.5).Within(1e-15));
            Assert.That(Norm(projected.AsSpan(net.VOffset(l), 6)), Is.EqualTo(0.5).Within(1e-15));
        }
        // Projection onto a convex set: ⟨θ − P(θ), z − P(θ)⟩ ≤ 0 for every z in the set (here random feasible z).
        var rng = new PhiloxStream(4, 0, 0);
        for (int trial = 0; trial < 50; trial++)
        {
            var z = RandomTheta(net, 0.3 * rng.NextUniform() + 0.01, (ulong)trial + 10);
            net.Project(z, net.BlockRadius, 1);
            double inner = 0;
            for (int j = 0; j < z.Length; j++) inner += (theta[j] - projected[j]) * (z[j] - projected[j]);
            Assert.That(inner, Is.LessThanOrEqualTo(1e-12));
        }
        // A point inside stays where it is.
        var inside = (double[])projected.Clone();
        net.Project(inside, net.BlockRadius, 1);
        Assert.That(inside, Is.EqualTo(projected));
    }

    [TestCase(1, NearIdentityActivation.Relu)]
    [TestCase(8, NearIdentityActivation.Relu)]
    [TestCase(64, NearIdentityActivation.Relu)]
    [TestCase(16, NearIdentityActivation.Tanh)]
    public void Residual_shift_is_within_the_Lipschitz_bound_and_below_e_minus_one_in_F_L(int blocks, NearIdentityActivation activation)
    {
        var net = new NearIdentityResNet(6, blocks, 3, activation);
        var theta = RandomTheta(net, 5, (ulong)blocks);
        net.Project(theta, net.BlockRadius, 1);
        double factor = net.ShiftFactor(theta);
        Assert.That(factor, Is.LessThanOrEqualTo(Math.Pow(1 + 1.0 / blocks, blocks) - 1 + 1e-12));
        Assert.That(factor, Is.LessThan(Math.E - 1));
        var data = PredictorData.Synthetic(Loss.Squared, 200, 6, 0.1, 9);
        var features = new double[200 * 6];
        net.Features(theta, data.X, features);
        double worst = 0;
        for (int i = 0; i < 200; i++)
        {
            var x = data.X.AsSpan(i * 6, 6);
            double shift = 0;
            for (int r = 0; r < 6; r++) shift += (features[i * 6 + r] - x[r]) * (features[i * 6 + r] - x[r]);
            worst = Math.Max(worst, Math.Sqrt(shift) / Norm(x));
        }
        Assert.That(worst, Is.LessThanOrEqualTo(factor * (1 + 1e-12)));
        Assert.That(worst, Is.GreaterThan(0));
    }

    [Test]
    public void With_zero_blocks_the_network_is_the_linear_predictor()
    {
        var data = PredictorData.Synthetic(Loss.Logistic, 40, 4, 0.1, 3);
        var net = new NearIdentityResNet(4, 5, 2);
        var theta = new double[net.Size];
        var w = LinearPredictor.Minimizer(data);
        w.CopyTo(theta, 0);
        Assert.That(net.Value(theta, data.X, new RiskObjective(data.Loss, data.Y)), Is.EqualTo(LinearPredictor.Value(data, w)).Within(1e-15));
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot.FourPartial(v, v));
}
