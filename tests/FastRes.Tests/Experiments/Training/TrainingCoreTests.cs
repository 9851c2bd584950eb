using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>The pieces every training experiment stands on: full-batch GD, the least-squares optimum, the loss grid, exact journaling.</summary>
public class TrainingCoreTests
{
    private static readonly Dataset Data = SyntheticData.Create(2000, 6, 6, seed: 3);

    [Test]
    public void Gradient_descent_on_a_linear_shortcut_net_reaches_the_least_squares_optimum()
    {
        var net = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Identity);
        var network = net.Build(depth: 4, width: 6);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, 1, 0, theta);
        var end = new FullBatchDescent(new SampleObjective(network, Data, threads: 1)).Train(theta, eta: 0.2, epochs: 3000);
        double optimum = LeastSquares.OptimalLoss(Data);
        Assert.That(end.Diverged, Is.False);
        Assert.That(end.Loss - optimum, Is.InRange(-1e-12, 1e-6), $"final {end.Loss}, optimum {optimum}");
    }

    [Test]
    public void The_least_squares_optimum_is_the_loss_of_the_exact_linear_fit()
    {
        // On whitened inputs (Σ^XX = I) the optimum map is A = Σ^YX: its loss, computed sample by sample, must agree.
        int m = Data.Samples, d = Data.InputDim;
        var a = new double[d * d];
        for (int mu = 0; mu < m; mu++)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) a[i * d + j] += Data.Target(mu)[i] * Data.Input(mu)[j] / m;
        double loss = 0;
        for (int mu = 0; mu < m; mu++)
            for (int i = 0; i < d; i++)
            {
                double p = 0;
                for (int j = 0; j < d; j++) p += a[i * d + j] * Data.Input(mu)[j];
                loss += (Data.Target(mu)[i] - p) * (Data.Target(mu)[i] - p);
            }
        Assert.That(LeastSquares.OptimalLoss(Data), Is.EqualTo(0.5 * loss / m).Within(1e-12));
    }

    [Test]
    public void A_too_large_step_is_reported_as_divergence_never_as_a_loss()
    {
        var net = new TrainingNet(InitialConditionNet.Xavier, Activation.Identity);
        var network = net.Build(depth: 8, width: 6);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, 1, 0, theta);
        var end = new FullBatchDescent(new SampleObjective(network, Data, threads: 1)).Train(theta, eta: 50, epochs: 200);
        Assert.That(end.Diverged, Is.True);
        Assert.That(double.IsFinite(end.Loss) || end.DivergedAt == 0, Is.True, "the loss reported is the last finite one");
        Assert.That(end.DivergedAt, Is.InRange(1, 200));
    }

    [Test]
    public void The_observer_sees_every_epoch_before_its_step()
    {
        var net = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Relu);
        var network = net.Build(depth: 4, width: 6);
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, net.Init, 1, 0, theta);
        var epochs = new List<int>();
        var losses = new List<double>();
        new FullBatchDescent(new SampleObjective(network, Data, threads: 1)).Train(theta, 0.1, 5, (e, loss, _, _) => { epochs.Add(e); losses.Add(loss); });
        Assert.That(epochs, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(losses, Is.Ordered.Descending, "a small step lowers the loss");
    }

    [Test]
    public void Resampling_a_hand_made_trajectory_interpolates_linearly_in_the_loss()
    {
        double[] losses = [1.0, 0.5, 0.25, 0.125];
        double[] values = [10, 20, 40, 80];
        double[] grid = [0.75, 0.5, 0.3, 0.125, 0.1, 2];
        var r = LossGrid.Resample(losses, values, grid);
        Assert.That(r[0], Is.EqualTo(15).Within(1e-12));
        Assert.That(r[1], Is.EqualTo(20).Within(1e-12));
        Assert.That(r[2], Is.EqualTo(20 + (0.3 - 0.5) / (0.25 - 0.5) * 20).Within(1e-12));
        Assert.That(r[3], Is.EqualTo(80).Within(1e-12));
        Assert.That(double.IsNaN(r[4]) && double.IsNaN(r[5]), Is.True, "outside the run's range: no value");
        var grid2 = LossGrid.Logarithmic(0.01, 1, 3);
        Assert.That(grid2, Is.EqualTo(new[] { 1, 0.1, 0.01 }).Within(1e-12));
        Assert.That(LossGrid.Summarize([1, 3, double.NaN]), Is.EqualTo((2.0, Math.Sqrt(2), 2)));
    }

    [Test]
    public void Journaled_doubles_come_back_bit_for_bit()
    {
        double[] values = [0, -0.0, 1.5, -3.25e-300, double.MaxValue, double.Epsilon, double.NaN, double.NegativeInfinity, Math.PI];
        var tally = JournalDoubles.Encode(values);
        Assert.That(tally, Has.All.GreaterThanOrEqualTo(0L), "the journal holds non-negative integers");
        var back = JournalDoubles.Decode(tally);
        Assert.That(back.Select(BitConverter.DoubleToUInt64Bits), Is.EqualTo(values.Select(BitConverter.DoubleToUInt64Bits)));
    }

    [Test]
    public void Plain_networks_are_two_layer_units_with_the_same_parameters_as_initial_condition()
    {
        // For a linear net the grouping is invisible: the epoch-0 point equals initial-condition's network at the same seed.
        var train = new TrainingNet(InitialConditionNet.Orthogonal, Activation.Identity).Build(depth: 8, width: 6);
        var (shortcut, n, init) = InitialConditionNet.Orthogonal.Shape();
        var initial = new NShortcutNetwork(6, 8, n, shortcut);
        var a = new double[train.ParameterCount];
        var b = new double[initial.ParameterCount];
        NetworkInitializer.Fill(train, init, 5, 2, a);
        NetworkInitializer.Fill(initial, init, 5, 2, b);
        Assert.That(a, Is.EqualTo(b));
        var w = new NetworkWorkspace(train, 1);
        Assert.That(train.Loss(a, Data.X, Data.Y, Data.Samples, w), Is.EqualTo(initial.Loss(b, Data.X, Data.Y, Data.Samples, new NetworkWorkspace(initial, 1))).Within(1e-12));
    }
}
