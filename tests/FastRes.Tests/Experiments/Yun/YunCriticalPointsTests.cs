using FastRes.Experiments;
using FastRes.Experiments.Optimization;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using FastRes.Kernels.Spectrum;
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
        // The descent search alone: one row per setting and loss, as before the gradient-norm search existed.
        var config = new YunCriticalPointsConfig { Points = 3, Samples = 40, Dimension = 4, Blocks = 2, BlockWidth = 2, WideWidth = 4, GdSteps = 100, Threads = 1,
                                                   Search = YunSearch.Descent };
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

    /// <summary>
    /// A critical point of the net with two blocks (d = 3, m = 1, squared loss, n = 60), found by the gradient-norm
    /// search from a random start — for this seed a strict saddle with R above R_lin — beside the net with three blocks
    /// it embeds into.
    /// </summary>
    private static (YunResNet Net, YunResNet Smaller, double[] Small, double RLin) SmallerCriticalPoint()
    {
        const ulong seed = 4;
        var data = PredictorData.Synthetic(Loss.Squared, 60, 3, 0.1, seed);
        var net = new YunResNet(data, 3, 1, YunActivation.Tanh);
        var smaller = new YunResNet(data, 2, 1, YunActivation.Tanh);
        var small = new double[smaller.Size];
        var rng = new PhiloxStream(seed, 2, 9);
        for (int j = 0; j < small.Length; j++) small[j] = 0.7 * rng.NextNormal();
        var (norm, _) = new GradientNormMinimizer(smaller.Size).Minimize(smaller, small, 100, 1e-11);
        Assert.That(norm, Is.LessThanOrEqualTo(1e-11), "precondition: the two-block net's critical point");
        return (net, smaller, small, LinearPredictor.Value(data, LinearPredictor.Minimizer(data)));
    }

    private static double[] Eigenvalues(YunResNet net, double[] theta)
    {
        var h = new double[net.Size * net.Size];
        net.Hessian(theta, h);
        var eig = new double[net.Size];
        SymmetricEigen.Eigenvalues(h, net.Size, eig, threads: 1);
        return eig;
    }

    private static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(Dot.FourPartial(v, v));

    [Test]
    public void Gradient_norm_search_from_a_perturbed_zero_first_block_lands_on_the_embedded_strict_saddle()
    {
        var (net, smaller, small, rLin) = SmallerCriticalPoint();
        double rSmall = smaller.Value(small), lambdaSmall = Eigenvalues(smaller, small).Min();
        Assert.That(rSmall - rLin > 1e-3 && lambdaSmall < -1e-3, Is.True, "precondition: a strict saddle above R_lin");
        var embedded = new double[net.Size];
        YunCriticalPoints.Embed(net, small, 0, embedded);
        var g = new double[net.Size];
        double r = net.Gradient(embedded, g);
        Assert.Multiple(() =>
        {
            // U_1 = V_1 = 0 with tanh adds nothing and has zero gradient: the embedded point is critical, with the same risk.
            Assert.That(r, Is.EqualTo(rSmall).Within(1e-15));
            Assert.That(Norm(g), Is.LessThanOrEqualTo(1e-10));
        });
        const double perturbation = 1e-6;
        var theta = (double[])embedded.Clone();
        var rng = new PhiloxStream(4, 3, 9);
        for (int j = 0; j < theta.Length; j++) theta[j] += perturbation * rng.NextNormal();
        var (norm, _) = new GradientNormMinimizer(net.Size).Minimize(net, theta, 100, 1e-8);
        var diff = theta.Zip(embedded, (a, b) => a - b).ToArray();
        var eig = Eigenvalues(net, theta);
        Assert.Multiple(() =>
        {
            Assert.That(norm, Is.LessThanOrEqualTo(1e-8));
            // Critical points here come in manifolds (V_L enters f only through wᵀV_L, so directions of V_L ⊥ w are flat):
            // the search lands on the embedded point's manifold within the perturbation's size, at the same critical value.
            Assert.That(Norm(diff), Is.LessThan(10 * perturbation * Math.Sqrt(net.Size)), "back at the embedded critical point, not elsewhere");
            Assert.That(net.Value(theta), Is.EqualTo(rSmall).Within(1e-11));
            Assert.That(eig.Min(), Is.EqualTo(lambdaSmall).Within(1e-4 * Math.Abs(lambdaSmall)), "the same strict saddle");
        });
        // Damped Newton on R from the same perturbed start does not stay: it descends off the saddle.
        var descent = (double[])embedded.Clone();
        rng = new PhiloxStream(4, 3, 9);
        for (int j = 0; j < descent.Length; j++) descent[j] += perturbation * rng.NextNormal();
        new LevenbergMarquardt(net.Size).Minimize(net, descent, 200, 1e-8);
        Assert.That(net.Value(descent), Is.LessThan(r - 1e-6), "below the saddle's risk");
    }

    [Test]
    public void A_zero_last_block_adds_only_zero_curvature()
    {
        // With block L zero, E[ℓ' h_L] = 0 (the w-gradient) kills its U–V cross block: H = diag(H of the smaller net, 0).
        var (net, smaller, small, _) = SmallerCriticalPoint();
        var embedded = new double[net.Size];
        YunCriticalPoints.Embed(net, small, net.Blocks - 1, embedded);
        int n = net.Size, k = smaller.Size;
        var h = new double[n * n];
        net.Hessian(embedded, h);
        var hs = new double[k * k];
        smaller.Hessian(small, hs);
        double scale = hs.Max(Math.Abs), maxOff = 0, maxDiff = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i < k && j < k) maxDiff = Math.Max(maxDiff, Math.Abs(h[i * n + j] - hs[i * k + j]));
                else maxOff = Math.Max(maxOff, Math.Abs(h[i * n + j]));
        Assert.Multiple(() =>
        {
            Assert.That(maxDiff, Is.LessThan(1e-13 * scale));
            Assert.That(maxOff, Is.LessThan(1e-13 * scale));
            Assert.That(Eigenvalues(net, embedded).Min(), Is.EqualTo(Math.Min(0, Eigenvalues(smaller, small).Min())).Within(1e-12 * scale));
        });
    }

    [TestCase(Loss.Squared)]
    [TestCase(Loss.Logistic)]
    public void Zero_first_block_cross_curvature_is_the_telescoped_gradient_identity(Loss loss)
    {
        // With block 1 zero, ∂²R/∂V_1[r,k]∂U_1[k,s] = φ'(0)·M[r,s], M = E[ℓ'·∇_{h_0}f·xᵀ] of the smaller net. The
        // Jacobians telescope: M = w·(∂R/∂w)ᵀ + Σ_l (U_lᵀ·∂R/∂U_l − ∂R/∂V_l·V_lᵀ), so M = 0 at every critical point of the
        // smaller net: a zero block never adds negative curvature there (the embedded λ_min is min(λ_min of the smaller
        // net, 0), as the zero-last-block test sees too). Checked here at a point that is not critical, where M ≠ 0.
        var data = PredictorData.Synthetic(loss, 40, 3, 0.1, 12);
        var net = new YunResNet(data, 3, 2, YunActivation.Tanh);
        var smaller = new YunResNet(data, 2, 2, YunActivation.Tanh);
        var small = new double[smaller.Size];
        var rng = new PhiloxStream(12, 4, 9);
        for (int j = 0; j < small.Length; j++) small[j] = 0.7 * rng.NextNormal();
        var g = new double[smaller.Size];
        smaller.Gradient(small, g);
        int d = net.D, m = net.Width, n = net.Size;
        var identity = new double[d * d];
        for (int r = 0; r < d; r++)
            for (int s = 0; s < d; s++)
            {
                double v = small[r] * g[s];
                for (int l = 0; l < smaller.Blocks; l++)
                {
                    int uo = smaller.UOffset(l), vo = smaller.VOffset(l);
                    for (int k = 0; k < m; k++) v += small[uo + k * d + r] * g[uo + k * d + s] - g[vo + r * m + k] * small[vo + s * m + k];
                }
                identity[r * d + s] = v;
            }
        var embedded = new double[n];
        YunCriticalPoints.Embed(net, small, 0, embedded);
        var h = new double[n * n];
        net.Hessian(embedded, h);
        double maxErr = 0, maxOther = 0, scale = identity.Max(Math.Abs);
        int u1 = net.UOffset(0), v1 = net.VOffset(0);
        for (int r = 0; r < d; r++)
            for (int k = 0; k < m; k++)
                for (int kk = 0; kk < m; kk++)
                    for (int s = 0; s < d; s++)
                    {
                        double entry = h[(v1 + r * m + k) * n + u1 + kk * d + s];
                        if (k == kk) maxErr = Math.Max(maxErr, Math.Abs(entry - identity[r * d + s]));
                        else maxOther = Math.Max(maxOther, Math.Abs(entry));
                    }
        Assert.That(scale, Is.GreaterThan(1e-3), "away from a critical point M is not zero");
        Assert.That(maxErr, Is.LessThan(1e-12 * (1 + scale)));
        Assert.That(maxOther, Is.LessThan(1e-14), "units k ≠ k' do not couple");
    }

    [TestCase(Loss.Squared)]
    [TestCase(Loss.Logistic)]
    public void Phi_gradient_of_the_resnet_is_H_g_by_central_differences(Loss loss)
    {
        var (net, theta) = Random(loss, YunActivation.Tanh, 6);
        var grad = new double[net.Size];
        GradientNormMinimizer.PhiGradient(net, theta, grad);
        var g = new double[net.Size];
        const double eps = 1e-5;
        double maxErr = 0, maxAbs = 0;
        for (int j = 0; j < theta.Length; j++)
        {
            var p = (double[])theta.Clone(); p[j] += eps;
            var m = (double[])theta.Clone(); m[j] -= eps;
            double fd = (GradientNormMinimizer.Phi(net, p, g) - GradientNormMinimizer.Phi(net, m, g)) / (2 * eps);
            maxErr = Math.Max(maxErr, Math.Abs(grad[j] - fd));
            maxAbs = Math.Max(maxAbs, Math.Abs(fd));
        }
        Assert.That(maxAbs, Is.GreaterThan(1e-3), "a Φ gradient that is not trivially zero");
        Assert.That(maxErr, Is.LessThan(1e-8 * (1 + maxAbs)));
    }

    [Test]
    public void Gradient_norm_search_finds_strict_saddles_where_descent_finds_none()
    {
        var config = new YunCriticalPointsConfig { Points = 6, SaddleStarts = 2, Losses = [Loss.Logistic], Samples = 150, WideWidth = 0, Threads = 1 };
        var r = YunCriticalPoints.Run(config);
        var descent = r.Points.Where(p => p.Search == "descent").ToList();
        var gradientNorm = r.Points.Where(p => p.Search == "gradient-norm").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(r.Violations, Is.EqualTo(0));
            Assert.That(r.Rows.Select(x => x.Start), Is.EqualTo(new[] { "random", "random", "zero-output", "zero-first-block", "zero-last-block" }));
            foreach (var row in r.Rows)
                Assert.That(row.BetterThanLinear + row.StrictSaddles + row.Neither + row.NotConverged, Is.EqualTo(row.Points));
            Assert.That(descent.Count(p => p.Kind == "strict-saddle"), Is.EqualTo(0), "descent lands on minima");
            Assert.That(r.StrictSaddles, Is.GreaterThan(0), "the strict-saddle branch is exercised");
            foreach (var p in r.Points.Where(p => p.Converged))
            {
                Assert.That(p.GradientNorm, Is.LessThanOrEqualTo(config.GradientTolerance));
                if (p.Kind == "strict-saddle") Assert.That(p.LambdaMin < 0 && p.Excess > config.ValueTolerance, Is.True);
            }
            Assert.That(r.StrictSaddles, Is.EqualTo(r.Points.Count(p => p.Kind == "strict-saddle")));
            Assert.That(gradientNorm.Count, Is.EqualTo(6 + 3 * 2));
        });
    }

    [Test]
    public void Results_are_bit_identical_across_thread_counts()
    {
        var config = new YunCriticalPointsConfig { Points = 2, SaddleStarts = 1, Losses = [Loss.Squared], Samples = 40, GdSteps = 50, NewtonSteps = 20, GradientNormSteps = 20 };
        var one = YunCriticalPoints.Run(config with { Threads = 1 });
        var three = YunCriticalPoints.Run(config with { Threads = 3 });
        Assert.That(three.Points, Is.EqualTo(one.Points));
        Assert.That(three.Rows, Is.EqualTo(one.Rows));
    }

    [TestCase("saddle-starts")]
    [TestCase("gradient-norm-steps")]
    [TestCase("perturbation")]
    public void Validate_names_each_gradient_norm_setting(string field)
    {
        var bad = field switch
        {
            "saddle-starts" => new YunCriticalPointsConfig { SaddleStarts = -1 },
            "gradient-norm-steps" => new YunCriticalPointsConfig { GradientNormSteps = 0 },
            _ => new YunCriticalPointsConfig { Perturbation = double.NaN },
        };
        var errors = bad.Validate();
        Assert.That(errors.Select(e => e.Field), Is.EqualTo(new[] { field }));
        Assert.That(errors[0].Message, Does.Not.Contain('\n'));
        Assert.That(new YunCriticalPointsConfig { Perturbation = 2 }.Validate().Select(e => e.Field), Is.EqualTo(new[] { "perturbation" }));
    }

    [Test]
    public void Validate_names_the_condition_breaking_width()
    {
        var errors = new YunCriticalPointsConfig { Dimension = 4, Blocks = 3, BlockWidth = 2, WideWidth = 2 }.Validate();
        Assert.That(errors.Select(e => e.Field), Does.Contain("block-width"));
    }
}
