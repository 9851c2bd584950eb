using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Yun;

/// <summary>The multi-block ResNet of Yun et al. 2019: exact gradient and Hessian, the theorem's conditions, the runner.</summary>
public class YunCriticalPointsTests
{
    private static (YunResNet Net, double[] Theta) Random(Loss loss, YunActivation activation, ulong seed)
    {
        var data = PredictorData.Synthetic(loss, 40, 4, 0.1, seed);
        var net = new YunResNet(data, 3, 2, activation);
        var rng = new PhiloxStream(seed, 1, 9);
        var theta = new double[net.Size];
        for (int j = 0; j < theta.Length; j++) theta[j] = 0.7 * rng.NextNormal();
        return (net, theta);
    }

    [TestCase(Loss.Squared, YunActivation.Tanh)]
    [TestCase(Loss.Logistic, YunActivation.Softplus)]
    [TestCase(Loss.Logistic, YunActivation.Tanh)]
    public void Gradient_matches_central_differences_of_the_risk(Loss loss, YunActivation activation)
    {
        var (net, theta) = Random(loss, activation, 3);
        var g = new double[net.Size];
        double r = net.Gradient(theta, g);
        Assert.That(r, Is.EqualTo(net.Value(theta)).Within(1e-13 * (1 + Math.Abs(r))));
        const double eps = 1e-6;
        for (int j = 0; j < theta.Length; j++)
        {
            var p = (double[])theta.Clone(); p[j] += eps;
            var m = (double[])theta.Clone(); m[j] -= eps;
            double fd = (net.Value(p) - net.Value(m)) / (2 * eps);
            Assert.That(g[j], Is.EqualTo(fd).Within(1e-7 * (1 + Math.Abs(fd))), $"coordinate {j}");
        }
    }

    [TestCase(Loss.Squared, YunActivation.Tanh)]
    [TestCase(Loss.Logistic, YunActivation.Softplus)]
    public void Hessian_matches_central_differences_of_the_gradient(Loss loss, YunActivation activation)
    {
        var (net, theta) = Random(loss, activation, 5);
        int size = net.Size;
        var h = new double[size * size];
        net.Hessian(theta, h);
        const double eps = 1e-5;
        var gp = new double[size]; var gm = new double[size];
        double maxErr = 0, maxAbs = 0;
        for (int j = 0; j < size; j++)
        {
            var p = (double[])theta.Clone(); p[j] += eps;
            var m = (double[])theta.Clone(); m[j] -= eps;
            net.Gradient(p, gp); net.Gradient(m, gm);
            for (int i = 0; i < size; i++)
            {
                double fd = (gp[i] - gm[i]) / (2 * eps);
                maxErr = Math.Max(maxErr, Math.Abs(h[i * size + j] - fd));
                maxAbs = Math.Max(maxAbs, Math.Abs(fd));
            }
        }
        Assert.That(maxAbs, Is.GreaterThan(1e-2), "a Hessian that is not trivially zero");
        Assert.That(maxErr, Is.LessThan(1e-7 * (1 + maxAbs)));
    }

    [Test]
    public void Zero_blocks_give_the_linear_predictor_and_R_lin_is_the_least_squares_solution()
    {
        var data = PredictorData.Synthetic(Loss.Squared, 60, 4, 0.1, 8);
        var net = new YunResNet(data, 2, 1, YunActivation.Tanh);
        var wLin = LinearPredictor.Minimizer(data);
        var theta = new double[net.Size];
        wLin.CopyTo(theta, 0);
        Assert.That(net.Value(theta), Is.EqualTo(LinearPredictor.Value(data, wLin)).Within(1e-14));
        // Closed form: at the least-squares solution the residual is orthogonal to every column of X, so ∇R = 0 there
        // (the block gradients vanish too, as U = V = 0 makes every block's output and its input gradient zero).
        var g = new double[net.Size];
        net.Gradient(theta, g);
        Assert.That(Math.Sqrt(Dot.FourPartial(g, g)), Is.LessThan(1e-12));
        // And R_lin equals ½ mean (y − ŷ)² with ŷ the projection of y onto col(X), computed here by brute Gram–Schmidt.
        int n = data.Samples, d = data.Dimension;
        var basis = new List<double[]>();
        for (int c = 0; c < d; c++)
        {
            var col = Enumerable.Range(0, n).Select(i => data.X[i * d + c]).ToArray();
            foreach (var b in basis) { double s = Dot.FourPartial(col, b); for (int i = 0; i < n; i++) col[i] -= s * b[i]; }
            double norm = Math.Sqrt(Dot.FourPartial(col, col));
            basis.Add(col.Select(x => x / norm).ToArray());
        }
        var residual = (double[])data.Y.Clone();
        foreach (var b in basis) { double s = Dot.FourPartial(data.Y, b); for (int i = 0; i < n; i++) residual[i] -= s * b[i]; }
        Assert.That(LinearPredictor.Value(data, wLin), Is.EqualTo(0.5 * Dot.FourPartial(residual, residual) / n).Within(1e-12));
    }

    [Test]
    public void Row_space_gram_sees_only_blocks_two_and_later()
    {
        var (net, theta) = Random(Loss.Squared, YunActivation.Tanh, 4);
        int d = net.D;
        var before = net.LaterRowSpaceGram(theta);
        for (int j = 0; j < d * net.Width; j++) theta[net.UOffset(0) + j] += 1; // U_1 is not part of condition 2
        Assert.That(net.LaterRowSpaceGram(theta), Is.EqualTo(before));
        // Trace of Σ_{l≥2} U_lᵀU_l is Σ_{l≥2} ‖U_l‖_F².
        double trace = Enumerable.Range(0, d).Sum(i => before[i * d + i]);
        double frob = 0;
        for (int l = 1; l < net.Blocks; l++)
            for (int j = 0; j < d * net.Width; j++) frob += theta[net.UOffset(l) + j] * theta[net.UOffset(l) + j];
        Assert.That(trace, Is.EqualTo(frob).Within(1e-12 * frob));
    }

    [Test]
    public void Small_run_reaches_critical_points_without_violation()
    {
        var config = new YunCriticalPointsConfig { Points = 3, Samples = 40, Dimension = 4, Blocks = 2, BlockWidth = 2, WideWidth = 4, GdSteps = 100, Threads = 1 };
        var r = YunCriticalPoints.Run(config);
        Assert.Multiple(() =>
        {
            Assert.That(r.Rows, Has.Count.EqualTo(4));
            Assert.That(r.Violations, Is.EqualTo(0));
            foreach (var row in r.Rows)
                Assert.That(row.BetterThanLinear + row.StrictSaddles + row.Neither + row.NotConverged, Is.EqualTo(row.Points));
            Assert.That(r.Rows.Where(x => x.Setting == "theorem").Sum(x => x.BetterThanLinear + x.StrictSaddles), Is.GreaterThan(0));
        });
    }

    [Test]
    public void Validate_names_the_condition_breaking_width()
    {
        var errors = new YunCriticalPointsConfig { Dimension = 4, Blocks = 3, BlockWidth = 2, WideWidth = 2 }.Validate();
        Assert.That(errors.Select(e => e.Field), Does.Contain("block-width"));
    }
}
