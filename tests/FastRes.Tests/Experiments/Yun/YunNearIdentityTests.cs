using FastRes.Experiments;
using FastRes.Experiments.Predictors;
using FastRes.Experiments.Shamir;
using FastRes.Experiments.Yun;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Yun;

/// <summary>yun-near-identity: the two inequalities it checks, the optimizers that produce its points, the runner.</summary>
public class YunNearIdentityTests
{
    private static readonly YunNearIdentityConfig Small = new()
    {
        Depths = [1, 3], Dimension = 4, Width = 2, Samples = 40, Points = 2, AdversarialPoints = 1, Steps = 400,
    };

    private static (NearIdentityResNet Net, PredictorData Data, double[] TStar, double[] Theta) Random(Loss loss, int blocks, NearIdentityActivation activation, ulong seed)
    {
        var data = PredictorData.Synthetic(loss, 60, 4, 0.1, seed);
        var net = new NearIdentityResNet(4, blocks, 3, activation);
        var theta = YunNearIdentity.Start(net, new PhiloxStream(seed, 2, 2));
        return (net, data, LinearPredictor.Minimizer(data), theta);
    }

    [TestCase(Loss.Logistic, 1, NearIdentityActivation.Relu)]
    [TestCase(Loss.Logistic, 8, NearIdentityActivation.Tanh)]
    [TestCase(Loss.Squared, 5, NearIdentityActivation.Relu)]
    public void Both_inequalities_hold_at_arbitrary_points_of_F_L(Loss loss, int blocks, NearIdentityActivation activation)
    {
        // The convexity step and the Lipschitz bound hold at every θ (w need not be optimal: the ∇_wR term pays for it).
        for (ulong seed = 1; seed <= 20; seed++)
        {
            var (net, data, tStar, theta) = Random(loss, blocks, activation, seed);
            var p = YunNearIdentity.Measure(Small, net, data, tStar, theta, "critical", 0, 0);
            Assert.That(p.ExactSlack, Is.GreaterThanOrEqualTo(-1e-13), $"seed {seed}");
            Assert.That(p.BoundSlack, Is.GreaterThanOrEqualTo(p.ExactSlack - 1e-13), $"seed {seed}: the bound is the exact step's upper estimate");
            Assert.That(p.Violation, Is.False);
            Assert.That(p.Shift, Is.LessThan(Math.E - 1));
        }
    }

    [TestCase(NearIdentityActivation.Relu)]
    [TestCase(NearIdentityActivation.Tanh)]
    public void For_the_squared_loss_the_exact_step_misses_by_half_the_mean_squared_distance_to_the_linear_predictor(NearIdentityActivation activation)
    {
        // ℓ quadratic: ℓ(t*ᵀx) = ℓ(f) + ℓ'(f)(t*ᵀx − f) + ½(t*ᵀx − f)², so the exact step's slack is ½E[(f − t*ᵀx)²] exactly.
        var (net, data, tStar, theta) = Random(Loss.Squared, 4, activation, 3);
        var p = YunNearIdentity.Measure(Small, net, data, tStar, theta, "critical", 0, 0);
        var f = new double[data.Samples];
        net.Outputs(theta, data.X, f);
        double expected = 0;
        for (int i = 0; i < data.Samples; i++)
        {
            double gap = f[i] - Dot.FourPartial(tStar, data.X.AsSpan(i * 4, 4));
            expected += 0.5 * gap * gap / data.Samples;
        }
        Assert.That(expected, Is.GreaterThan(1e-3));
        Assert.That(p.ExactSlack, Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void At_the_linear_predictor_the_exact_step_is_tight()
    {
        var (net, data, tStar, _) = Random(Loss.Logistic, 3, NearIdentityActivation.Relu, 4);
        var theta = new double[net.Size];
        tStar.CopyTo(theta, 0);
        var p = YunNearIdentity.Measure(Small, net, data, tStar, theta, "critical", 0, 0);
        Assert.That(p.Excess, Is.EqualTo(0).Within(1e-15));
        Assert.That(p.ExactSlack, Is.EqualTo(0).Within(1e-15));
        Assert.That(p.Shift, Is.EqualTo(0));
    }

    [Test]
    public void Re_optimizing_w_zeroes_its_gradient_and_never_raises_the_risk()
    {
        var (net, data, tStar, theta) = Random(Loss.Logistic, 4, NearIdentityActivation.Tanh, 6);
        var objective = new RiskObjective(data.Loss, data.Y);
        double before = net.Value(theta, data.X, objective);
        double after = YunNearIdentity.OptimizeOutputLayer(net, data, theta);
        Assert.That(after, Is.LessThanOrEqualTo(before));
        Assert.That(after, Is.EqualTo(net.Value(theta, data.X, objective)).Within(1e-14));
        var p = YunNearIdentity.Measure(Small, net, data, tStar, theta, "critical", 0, 0);
        Assert.That(p.WGradientNorm, Is.LessThan(1e-12));
    }

    [Test]
    public void Descent_with_smooth_blocks_reaches_a_critical_point_in_F_L()
    {
        var config = Small with { Steps = 3000, Samples = 60 };
        var (net, data, tStar, _) = Random(Loss.Logistic, 2, NearIdentityActivation.Tanh, 7);
        var p = YunNearIdentity.Descend(config, net, data, tStar, 11, default);
        Assert.That(p.Kind, Is.EqualTo("critical"), $"stationarity {p.Stationarity}");
        Assert.That(p.Stationarity, Is.LessThanOrEqualTo(config.StationarityTolerance));
        Assert.That(p.Shift, Is.LessThanOrEqualTo(Math.Pow(1.5, 2) - 1 + 1e-12));
    }

    [Test]
    public void Ascent_raises_the_profile_risk_above_its_start()
    {
        var config = Small with { Steps = 300, Samples = 60 };
        var (net, data, tStar, _) = Random(Loss.Squared, 3, NearIdentityActivation.Relu, 8);
        var start = YunNearIdentity.Start(net, new PhiloxStream(config.Seed, 12, 0xAD5E));
        double startProfile = YunNearIdentity.OptimizeOutputLayer(net, data, start) - LinearPredictor.Value(data, tStar);
        var p = YunNearIdentity.Ascend(config, net, data, tStar, 12, default);
        Assert.That(p.Kind, Is.EqualTo("adversarial"));
        Assert.That(p.Excess, Is.GreaterThan(startProfile));
        Assert.That(p.WGradientNorm, Is.LessThan(1e-12));
    }

    [Test]
    public void Dead_units_are_snapped_to_zero_and_live_ones_kept()
    {
        var net = new NearIdentityResNet(3, 2, 2);
        var theta = new double[net.Size];
        theta[net.UOffset(0)] = 1e-13;            // unit 0 of block 0: dead
        theta[net.UOffset(0) + 3] = 0.2;          // unit 1 of block 0: live
        theta[net.UOffset(1) + 4] = 1e-3;         // unit 1 of block 1: small but live
        Assert.That(YunNearIdentity.SnapDeadUnits(net, theta), Is.True);
        Assert.That(theta[net.UOffset(0)], Is.EqualTo(0));
        Assert.That(theta[net.UOffset(0) + 3], Is.EqualTo(0.2));
        Assert.That(theta[net.UOffset(1) + 4], Is.EqualTo(1e-3));
        Assert.That(YunNearIdentity.SnapDeadUnits(net, theta), Is.False);
    }

    [Test]
    public void Run_is_independent_of_thread_count_and_finds_no_violation()
    {
        var one = YunNearIdentity.Run(Small with { Threads = 1 });
        var two = YunNearIdentity.Run(Small with { Threads = 2 });
        Assert.That(one.Violations, Is.EqualTo(0));
        Assert.That(one.CaseCount, Is.GreaterThan(0));
        Assert.That(one.Rows, Has.Count.EqualTo(2 * 2 * 2));
        Assert.That(two.Rows, Is.EqualTo(one.Rows));
        for (int i = 0; i < one.Points.Count; i++) Assert.That(two.Points[i], Is.EqualTo(one.Points[i]));
    }

    [Test]
    public void Bad_config_names_the_field()
    {
        Assert.That(new YunNearIdentityConfig { Depths = [0] }.Validate().Select(e => e.Field), Does.Contain("depths"));
        Assert.That(new YunNearIdentityConfig { Depths = [2, 2] }.Validate().Select(e => e.Field), Does.Contain("depths"));
        Assert.That(new YunNearIdentityConfig { Samples = 5 }.Validate().Select(e => e.Field), Does.Contain("samples"));
        Assert.That(new YunNearIdentityConfig { Points = 0, AdversarialPoints = 0 }.Validate().Select(e => e.Field), Does.Contain("points"));
        Assert.That(new YunNearIdentityConfig { Activations = [] }.Validate().Select(e => e.Field), Does.Contain("activations"));
        Assert.That(new YunNearIdentityConfig().Validate(), Is.Empty);
    }
}
