using FastRes.Experiments.Data;
using FastRes.Experiments.Hessian;
using FastRes.Experiments.Training;
using FastRes.Kernels.Networks;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Training;

/// <summary>training-spectrum's pieces: its epoch-0 point is initial-condition's, Theorem 2's ± spectrum at w = 0, the loss grid, the claim counts.</summary>
public class TrainingSpectrumTests
{
    private static readonly Dataset Data = SyntheticData.Create(2000, 4, 4, seed: 1);

    [Test]
    public void The_epoch_0_spectrum_is_initial_conditions_at_the_same_seed()
    {
        InitialConditionNet[] nets = [InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut2];
        var initial = InitialCondition.Run(new InitialConditionConfig { Depths = [4], Nets = nets, Runs = 3, Width = 4, Seed = 7, Threads = 1 }, Data);
        var trained = TrainingSpectrum.Run(new TrainingSpectrumConfig { Depth = 4, Nets = nets, Runs = 3, Width = 4, Seed = 7, Epochs = 2, Every = 1, EtaXavier = 0.01, EtaOrthogonal = 0.01, EtaShortcut = 0.01, Threads = 1 }, Data);
        foreach (var row in initial.Rows)
            foreach (var v in row.PerRun)
            {
                var at0 = trained.Rows.Single(r => r.Net == row.Net && r.Run == v.Run && r.Epoch == 0);
                Assert.That(at0.Kappa, Is.EqualTo(v.Kappa).Within(1e-9).Percent, $"{row.Net} run {v.Run}: κ");
                Assert.That(at0.Index, Is.EqualTo(v.Index), $"{row.Net} run {v.Run}: index");
            }
        Assert.That(trained.Rows.Where(r => r.Epoch == 0).Select(r => r.Kappa).Distinct().Count(), Is.EqualTo(9), "the runs are different initializations");
    }

    [Test]
    public void A_linear_2_shortcut_net_at_zero_has_eigenvalues_in_plus_minus_pairs_and_index_one_half()
    {
        // Theorem 2 (n = 2): H(0) is block diagonal with blocks [[0, Aᵀ], [A, 0]], eigenvalues ±s_i(Σ^XX − Σ^YX).
        var network = new TrainingNet(InitialConditionNet.Shortcut2, Activation.Identity).Build(depth: 6, width: 4);
        using var spectrometer = new TrainingSpectrum.Spectrometer(network, Data);
        var stats = spectrometer.Measure(new double[network.ParameterCount], CancellationToken.None);
        var lambda = spectrometer.Eigenvalues.ToArray();
        Assert.That(stats.Index, Is.EqualTo(0.5), "exactly half the eigenvalues negative");
        Assert.That(stats.ZeroCount, Is.Zero);
        for (int i = 0; i < lambda.Length; i++)
            Assert.That(lambda[i], Is.EqualTo(-lambda[^(i + 1)]).Within(1e-12 * stats.AbsMax), $"λ_{i} pairs with λ_{lambda.Length - 1 - i}");
        // And away from 0 the pairing breaks: a trained net is not at the saddle.
        var theta = new double[network.ParameterCount];
        NetworkInitializer.Fill(network, NetworkInit.Xavier, 1, 0, theta);
        Assert.That(spectrometer.Measure(theta, CancellationToken.None).Index, Is.Not.EqualTo(0.5));
    }

    private static TrainingSpectrumRow Row(string net, int run, int epoch, double loss, double value)
        => new(net, 4, run, epoch, loss, value, value, value / 10, 10 * value, value / 100, 0);

    [Test]
    public void The_loss_grid_interpolates_each_run_linearly_in_the_loss_and_averages_over_the_runs_that_got_there()
    {
        // Run 0 goes 1 → 0.5 → 0.25 with max|λ| 10 → 20 → 40; run 1 goes 1 → 0.5 only, with 30 → 50.
        TrainingSpectrumRow[] rows =
        [
            Row("shortcut2", 0, 0, 1, 10), Row("shortcut2", 0, 10, 0.5, 20), Row("shortcut2", 0, 20, 0.25, 40),
            Row("shortcut2", 1, 0, 1, 30), Row("shortcut2", 1, 10, 0.5, 50),
        ];
        var config = new TrainingSpectrumConfig { Nets = [InitialConditionNet.Shortcut2], GridPoints = 3 };
        var grid = TrainingSpectrum.GridOf(config, rows);
        // Grid: 1, √½·… log-spaced: 1, 0.5, 0.25.
        Assert.That(grid.Select(g => g.Loss), Is.EqualTo(new[] { 1, 0.5, 0.25 }).Within(1e-12));
        Assert.That(grid.Select(g => g.Runs), Is.EqualTo(new[] { 2, 2, 1 }));
        Assert.That(grid[0].AbsMaxMean, Is.EqualTo(20).Within(1e-12));
        Assert.That(grid[1].AbsMaxMean, Is.EqualTo(35).Within(1e-12));
        Assert.That(grid[1].AbsMaxStd, Is.EqualTo(Math.Sqrt(450)).Within(1e-9));
        Assert.That(grid[2].AbsMaxMean, Is.EqualTo(40).Within(1e-12));
        Assert.That(grid[1].KappaMean, Is.EqualTo(350).Within(1e-9));

        var finer = TrainingSpectrum.GridOf(config with { GridPoints = 5 }, rows);
        double mid = finer[1].Loss; // between 1 and 0.5: run 0 at 10 + (mid − 1)/(0.5 − 1)·10, run 1 at 30 + the same·20
        double t = (mid - 1) / (0.5 - 1);
        Assert.That(finer[1].AbsMaxMean, Is.EqualTo(((10 + 10 * t) + (30 + 20 * t)) / 2).Within(1e-12));
    }

    [Test]
    public void The_claims_count_each_common_loss_and_the_gradient_peak_at_the_index_drop()
    {
        var config = new TrainingSpectrumConfig { Nets = [InitialConditionNet.Xavier, InitialConditionNet.Shortcut2], GridPoints = 2, Every = 10 };
        // shortcut2: κ below xavier's at loss 1, above it at 0.5; index below both times. Its gradient peaks at epoch 10,
        // its index falls most between epochs 10 and 20 (middle 15): within 2·10 epochs.
        TrainingSpectrumRow R(string net, int epoch, double loss, double grad, double kappa, double index)
            => new(net, 4, 0, epoch, loss, grad, 1, 1, kappa, index, 0);
        TrainingSpectrumRow[] rows =
        [
            R("xavier", 0, 1, 1, 100, 0.5), R("xavier", 10, 0.5, 1, 10, 0.5),
            R("shortcut2", 0, 1, 1, 2, 0.4), R("shortcut2", 10, 0.75, 5, 2, 0.4), R("shortcut2", 20, 0.5, 2, 50, 0.1),
        ];
        var claims = TrainingSpectrum.Claims(config, rows, TrainingSpectrum.GridOf(config, rows));
        Assert.That(claims, Is.EqualTo(new TrainingSpectrumClaims(2, 1, 2, 0, 1, 0)));
        Assert.That(TrainingSpectrum.PeakAndDrop(rows[2..]), Is.EqualTo((10.0, 15.0)));
        var late = rows[2..].Select(r => r.Epoch == 20 ? r with { Epoch = 60 } : r).ToList();
        Assert.That(TrainingSpectrum.Claims(config, [.. rows[..2], .. late], TrainingSpectrum.GridOf(config, [.. rows[..2], .. late])).PeakViolations, Is.EqualTo(1),
            "a drop 25 epochs after the peak is more than 2·10 away");
    }

    [Test]
    public void A_journaled_cell_comes_back_equal()
    {
        var config = new TrainingSpectrumConfig { Depth = 4, Width = 4, Runs = 2, Epochs = 6, Every = 3, EtaXavier = 0.01, EtaOrthogonal = 0.05, EtaShortcut = 0.2 };
        var cell = TrainingSpectrum.RunCell(config, Data, InitialConditionNet.Orthogonal, 1, null, CancellationToken.None);
        var back = TrainingSpectrum.Decode(JournalDoubles.Decode(JournalDoubles.Encode(TrainingSpectrum.Encode(cell, config))), config, 4);
        Assert.That(back.End, Is.EqualTo(cell.End));
        Assert.That(back.Rows, Is.EqualTo(cell.Rows));
        Assert.That(cell.Rows.Select(r => r.Epoch), Is.EqualTo(new[] { 0, 3, 6 }));
        Assert.That(cell.Rows.Select(r => r.Loss), Is.Ordered.Descending);
    }

    [Test]
    public void Each_kind_of_net_trains_at_its_own_rate()
    {
        var c = new TrainingSpectrumConfig { EtaXavier = 0.1, EtaOrthogonal = 0.2, EtaShortcut = 0.3 };
        Assert.That(new[] { InitialConditionNet.Xavier, InitialConditionNet.Orthogonal, InitialConditionNet.Shortcut1, InitialConditionNet.Shortcut2 }.Select(c.EtaOf),
                    Is.EqualTo(new[] { 0.1, 0.2, 0.3, 0.3 }));
        Assert.That(new TrainingSpectrumConfig { EtaXavier = 1e308 }.Validate().Single().Field, Is.EqualTo("eta-xavier"));
    }
}
