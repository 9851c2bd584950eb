using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>The Σ path (loss and gradient of a linear net from Σ^XX, Σ^XY, tr Σ^YY alone) against the per-sample path.</summary>
public class MomentObjectiveTests
{
    private static readonly Dataset Data = SyntheticData.Create(1500, 5, 5, seed: 11);

    private static readonly InitialConditionNet[] Nets =
        [InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut1, InitialConditionNet.Shortcut2, InitialConditionNet.Shortcut3];

    /// <summary>θ of order one (not the small init: at w ≈ 0 every path agrees trivially), so each layer matters.</summary>
    private static double[] RandomTheta(NShortcutNetwork network, int seed, double scale)
    {
        var rng = new Random(seed);
        var theta = new double[network.ParameterCount];
        for (int i = 0; i < theta.Length; i++) theta[i] = scale * (2 * rng.NextDouble() - 1);
        return theta;
    }

    [TestCaseSource(nameof(Nets))]
    public void The_moment_path_equals_the_per_sample_path_for_every_linear_net(InitialConditionNet kind)
    {
        foreach (int depth in new[] { 2, 6 })
        {
            var network = new TrainingNet(kind, Activation.Identity).Build(depth, Data.InputDim);
            var theta = RandomTheta(network, seed: depth, scale: 0.6);
            var sample = new SampleObjective(network, Data, threads: 1);
            var moment = new MomentObjective(network, Data);
            var gs = new double[theta.Length];
            var gm = new double[theta.Length];
            double ls = sample.LossAndGradient(theta, gs);
            double lm = moment.LossAndGradient(theta, gm);
            Assert.That(lm, Is.EqualTo(ls).Within(1e-11).Percent, $"{kind} depth {depth}: loss");
            Assert.That(moment.Loss(theta), Is.EqualTo(lm), "Loss alone is the loss of LossAndGradient");
            double scale = gs.Max(Math.Abs);
            Assert.That(scale, Is.GreaterThan(1e-3), "a gradient worth comparing");
            for (int i = 0; i < gs.Length; i++)
                Assert.That(gm[i], Is.EqualTo(gs[i]).Within(1e-10 * scale), $"{kind} depth {depth}: ∂L/∂θ[{i}]");
        }
    }

    [Test]
    public void The_moment_gradient_matches_central_differences_of_the_moment_loss()
    {
        var network = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Identity).Build(4, Data.InputDim);
        var theta = RandomTheta(network, seed: 5, scale: 0.4);
        var moment = new MomentObjective(network, Data);
        var g = new double[theta.Length];
        moment.LossAndGradient(theta, g);
        const double h = 1e-5;
        for (int i = 0; i < theta.Length; i += 7)
        {
            double keep = theta[i];
            theta[i] = keep + h; double up = moment.Loss(theta);
            theta[i] = keep - h; double down = moment.Loss(theta);
            theta[i] = keep;
            Assert.That(g[i], Is.EqualTo((up - down) / (2 * h)).Within(1e-7), $"∂L/∂θ[{i}]");
        }
    }

    [Test]
    public void Gradient_descent_on_either_path_ends_at_the_same_loss()
    {
        var net = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Identity);
        var network = net.Build(depth: 6, width: Data.InputDim);
        var start = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, 7, 0, start);
        var a = (double[])start.Clone();
        var b = (double[])start.Clone();
        var endSample = new FullBatchDescent(new SampleObjective(network, Data, threads: 1)).Train(a, eta: 0.2, epochs: 300);
        var endMoment = new FullBatchDescent(new MomentObjective(network, Data)).Train(b, eta: 0.2, epochs: 300);
        Assert.That(endMoment.Loss, Is.EqualTo(endSample.Loss).Within(1e-9).Percent);
        for (int i = 0; i < a.Length; i++) Assert.That(b[i], Is.EqualTo(a[i]).Within(1e-9), $"θ[{i}] after 300 epochs");
    }

    [Test]
    public void Objectives_pick_the_moment_path_for_linear_nets_only()
    {
        var linear = new TrainingNet(InitialConditionNet.Xavier, Activation.Identity).Build(4, Data.InputDim);
        var relu = new TrainingNet(InitialConditionNet.Xavier, Activation.Relu).Build(4, Data.InputDim);
        Assert.That(Objectives.For(linear, Data, threads: 1), Is.TypeOf<MomentObjective>());
        Assert.That(Objectives.For(relu, Data, threads: 1), Is.TypeOf<SampleObjective>());
        Assert.That(() => new MomentObjective(relu, Data), Throws.ArgumentException);
    }
}
